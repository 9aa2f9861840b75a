/**
 * Credentials issued by the control plane (docs/credentials.md). For a grant whose entitlement issues
 * credentials, the provisioning worker asks the connector for a login of the grant's own instead of a role
 * membership; this module keeps what follows in Warrant's database and ledger:
 *
 *  - issuance (recordIssuedCredentials, inside the worker's completion transaction): the Credential row with
 *    the password sealed (sealed.ts) for its owner, "credential.issued" with login, validUntil, fingerprint;
 *  - the reveal (revealCredential): the NHI's owner only, once: one conditional UPDATE takes the sealed
 *    password and wipes it, so of two reveals at once only one gets it; "credential.revealed";
 *  - rotation (requestCredentialRotation, on demand; rotateDueCredentials, the job, on the entitlement's
 *    schedule and for requests): a new password set in the target, sealed again for one more reveal,
 *    "credential.rotated" with the new and the previous fingerprint;
 *  - revocation (recordRevokedCredentials, inside the completion of the grant's REVOKE task, after the
 *    connector dropped the login and ended its sessions): "credential.revoked", any unrevealed password wiped.
 *
 * The ledger never holds a password: only the fingerprint (sha256 of the SCRAM verifier, see
 * server/connectors/postgres-login.ts), which differs for every issuance and rotation.
 */
import type { z } from "zod";
import type { PrismaClient, Tx } from "../../db";
import { connectorFor } from "../../connectors";
import { credentialLoginName } from "../../connectors/postgres-login";
import { ConnectorError, type CredentialCtx, type IssuedSecret, type Receipt } from "../../connectors/types";
import { conflict, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { hasRole, ledgerActor, type ServiceCtx } from "../actor";
import { notify } from "../notifications/notify";
import { seal, unseal } from "./sealed";
import type { ZCredentialIdInput } from "./schema";

/** A rotation claim lasts this long: a worker that dies mid-rotation leaves it to another after the lease. */
export const ROTATION_LEASE_MS = 5 * 60_000;
/** A failed rotation is tried again after this long (and the failure is on the credential and in the ledger). */
export const ROTATION_RETRY_MS = 15 * 60_000;

/** What the connector needs to know about a grant's credential. */
export function credentialOf(grant: { id: string; expiresAt: Date | null }): CredentialCtx["credential"] {
  if (!grant.expiresAt) throw new ConnectorError("A credential is issued only for a grant with an end date.", { permanent: true });
  return { grantId: grant.id, login: credentialLoginName(grant.id), validUntil: grant.expiresAt };
}

/** When the next scheduled rotation is due: rotateHours after `from`, if that is before the end; else none. */
export function nextRotation(from: Date, rotateHours: number | null, validUntil: Date): Date | null {
  if (!rotateHours) return null;
  const at = new Date(from.getTime() + rotateHours * 3_600_000);
  return at < validUntil ? at : null;
}

export type IssuedCredential = {
  grant: { id: string; identityId: string; identity: { ownerId: string | null; displayName: string }; entitlement: { name: string; credentialRotateHours: number | null } };
  secret: IssuedSecret;
  receipt: Receipt | Record<string, unknown>;
};

/**
 * Records issued credentials (the worker's completion transaction, for grants it just activated): the row with
 * the sealed password (a re-issue after a retry replaces it: the target holds the newer password), the ledger
 * event, and the owner told that a password waits to be revealed.
 */
export async function recordIssuedCredentials(tx: Tx, items: IssuedCredential[], now: Date): Promise<void> {
  for (const { grant, secret } of items) {
    const validUntil = new Date(secret.validUntil);
    const base = { login: secret.login, fingerprint: secret.fingerprint, validUntil, issuedAt: now, status: "ACTIVE" as const, rotateDueAt: nextRotation(now, grant.entitlement.credentialRotateHours, validUntil) };
    const row = await tx.credential.upsert({ where: { grantId: grant.id }, create: { grantId: grant.id, ...base }, update: { ...base, version: { increment: 1 } }, select: { id: true, version: true } });
    await tx.credential.update({ where: { id: row.id }, data: { ciphertext: seal(secret.password, row.id), revealedAt: null, revealedById: null } });
    await recordEvent(tx, {
      actorId: null,
      action: "credential.issued",
      subjectType: "Grant",
      subjectId: grant.id,
      occurredAt: now,
      payload: { credentialId: row.id, identityId: grant.identityId, entitlement: grant.entitlement.name, login: secret.login, validUntil: secret.validUntil, fingerprint: secret.fingerprint, fingerprintOf: "sha256(SCRAM-SHA-256 verifier)", version: row.version },
    });
    if (grant.identity.ownerId) {
      await notify(tx, {
        recipientIds: [grant.identity.ownerId],
        kind: "credential.issued",
        title: `Credential ready: ${grant.entitlement.name}`,
        body: `A login for ${grant.identity.displayName} (${secret.login}) was issued. Reveal its password once on the identity's page; it is then gone from Warrant.`,
        link: `/identities/${grant.identityId}`,
        dedupeKey: `credential-issued:${row.id}:${row.version}`,
      });
    }
  }
}

/** Records the confirmed end of credentials (the REVOKE completion): REVOKED, unrevealed password wiped, the event. */
export async function recordRevokedCredentials(tx: Tx, items: { grantId: string; receipt: Receipt | Record<string, unknown> }[], now: Date): Promise<void> {
  for (const { grantId, receipt } of items) {
    const c = await tx.credential.findUnique({ where: { grantId }, select: { id: true, login: true, fingerprint: true, validUntil: true, version: true, status: true } });
    if (!c || c.status === "REVOKED") continue;
    await tx.credential.update({ where: { id: c.id }, data: { status: "REVOKED", revokedAt: now, ciphertext: null, rotateDueAt: null, rotateRequestedById: null, claimedBy: null, claimedUntil: null } });
    const rb = ((receipt as Receipt).readBack ?? {}) as Record<string, unknown>;
    await recordEvent(tx, {
      actorId: null,
      action: "credential.revoked",
      subjectType: "Grant",
      subjectId: grantId,
      occurredAt: now,
      payload: { credentialId: c.id, login: c.login, validUntil: c.validUntil, fingerprint: c.fingerprint, version: c.version, loginExists: rb.loginExists ?? null, sessions: rb.sessions ?? null, sessionsTerminated: rb.sessionsTerminated ?? null },
    });
  }
}

const CREDENTIAL_SCOPE = {
  id: true,
  grantId: true,
  login: true,
  status: true,
  version: true,
  fingerprint: true,
  validUntil: true,
  rotateDueAt: true,
  rotateRequestedById: true,
  grant: { select: { id: true, identityId: true, status: true, expiresAt: true, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } }, entitlement: { select: { name: true, ownerId: true, system: { select: { name: true, ownerId: true } } } } } },
} as const;

/**
 * Reveals an issued (or rotated) credential's password, once. Only the accountable owner of the non-human
 * identity that holds it (anyone else: NOT_FOUND, nothing revealed or changed). One conditional UPDATE takes
 * and wipes the sealed password: a second reveal, or a parallel one, gets CONFLICT. Records
 * "credential.revealed" (who, which version and fingerprint; never the password).
 */
export async function revealCredential(ctx: ServiceCtx, input: z.output<typeof ZCredentialIdInput>) {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const c = await tx.credential.findUnique({ where: { id: input.credentialId }, select: CREDENTIAL_SCOPE });
    if (!c || c.grant.identity.kind === "HUMAN" || c.grant.identity.ownerId !== ctx.actor.id) throw notFound("The credential");
    // Take and wipe in one statement: the row is locked, re-read if a parallel reveal committed first (then
    // its ciphertext is NULL and this one takes nothing), and the old value returned only to the winner.
    const taken = await tx.$queryRaw<{ ciphertext: string; version: number; fingerprint: string }[]>`
      UPDATE "Credential" c SET "ciphertext" = NULL, "revealedAt" = ${now.toISOString()}::timestamp, "revealedById" = ${ctx.actor.id}::uuid, "updatedAt" = ${new Date().toISOString()}::timestamp
        FROM (SELECT "id", "ciphertext" FROM "Credential" WHERE "id" = ${c.id}::uuid FOR UPDATE) old
       WHERE c."id" = old."id" AND c."status" = 'ACTIVE' AND old."ciphertext" IS NOT NULL
      RETURNING old."ciphertext" AS "ciphertext", c."version", c."fingerprint"`;
    const row = taken[0];
    if (!row?.ciphertext) {
      throw conflict(c.status === "REVOKED" ? "This credential was revoked: there is nothing to reveal." : "This password was already revealed, and Warrant keeps no copy. Rotate the credential to get a new one.");
    }
    const password = unseal(row.ciphertext, c.id);
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "credential.revealed",
      subjectType: "Grant",
      subjectId: c.grantId,
      occurredAt: now,
      payload: { credentialId: c.id, login: c.login, version: row.version, fingerprint: row.fingerprint },
    });
    return { credentialId: c.id, login: c.login, password, validUntil: c.validUntil, fingerprint: row.fingerprint, version: row.version };
  });
}

/**
 * Asks for a new password now. The NHI's owner or an admin (anyone else: NOT_FOUND). Conditional: a rotation
 * already asked for and not done yet gives CONFLICT (two parallel asks rotate once). Records
 * "credential.rotation_requested", then (after commit) runs the rotation at once; if the target cannot be
 * reached, the rotation job tries again. Returns whether the new password is ready to reveal.
 */
export async function requestCredentialRotation(ctx: ServiceCtx, input: z.output<typeof ZCredentialIdInput>, workerId = `portal-${process.pid}`) {
  const now = ctx.now();
  const c = await ctx.db.$transaction(async (tx) => {
    const c = await tx.credential.findUnique({ where: { id: input.credentialId }, select: CREDENTIAL_SCOPE });
    const mayAct = c && c.grant.identity.kind !== "HUMAN" && (c.grant.identity.ownerId === ctx.actor.id || hasRole(ctx.actor, "ADMIN"));
    if (!c || !mayAct) throw notFound("The credential");
    if (c.status !== "ACTIVE" || c.grant.status !== "ACTIVE") throw conflict("This credential is not in force any more: there is nothing to rotate.");
    // Asked for and claimed by this caller in one step. Claiming later (as the job does, SKIP LOCKED) could find
    // the row still locked by a parallel ask that is being refused, skip it, and rotate nothing.
    const moved = await tx.credential.updateMany({
      where: { id: c.id, status: "ACTIVE", rotateRequestedById: null, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
      data: { rotateDueAt: now, rotateRequestedById: ctx.actor.id, claimedBy: workerId, claimedUntil: new Date(now.getTime() + ROTATION_LEASE_MS) },
    });
    if (moved.count !== 1) throw conflict("A rotation of this credential was already asked for and is under way.");
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "credential.rotation_requested",
      subjectType: "Grant",
      subjectId: c.grantId,
      occurredAt: now,
      payload: { credentialId: c.id, login: c.login, version: c.version, fingerprint: c.fingerprint },
    });
    return c;
  });
  await rotateClaimed(ctx.db, [c.id], now, workerId);
  const after = await ctx.db.credential.findUniqueOrThrow({ where: { id: c.id }, select: { version: true, lastError: true } });
  return { credentialId: c.id, rotated: after.version > c.version, lastError: after.version > c.version ? null : after.lastError };
}

/** Claims up to `limit` credentials whose rotation is due (SKIP LOCKED, then a lease), optionally one of them. */
async function claimDue(db: PrismaClient, now: Date, workerId: string, limit: number, credentialId?: string): Promise<string[]> {
  const until = new Date(now.getTime() + ROTATION_LEASE_MS);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Credential" SET "claimedBy" = ${workerId}, "claimedUntil" = ${until.toISOString()}::timestamp
       WHERE "id" IN (
         SELECT "id" FROM "Credential"
          WHERE "status" = 'ACTIVE' AND "rotateDueAt" <= ${now.toISOString()}::timestamp
            AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now.toISOString()}::timestamp)
            AND (${credentialId ?? null}::uuid IS NULL OR "id" = ${credentialId ?? null}::uuid)
          ORDER BY "rotateDueAt", "id"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
      RETURNING "id"`;
    return rows.map((r) => r.id);
  });
}

/**
 * The rotation job: every ACTIVE credential whose rotateDueAt has come (the entitlement's schedule, or an
 * on-demand request) gets a new password in the target (outside any transaction), then, in one transaction
 * conditional on the claim still being ours and the credential still ACTIVE: the sealed password replaced
 * (one more reveal), version + 1, the next scheduled rotation, "credential.rotated" with the new and previous
 * fingerprints, the owner told. A failure is kept on the credential ("credential.rotation_failed") and tried
 * again after ROTATION_RETRY_MS. Any number of workers may run it at once.
 */
export async function rotateDueCredentials(db: PrismaClient, now: Date, workerId: string, opts: { limit?: number; credentialId?: string } = {}): Promise<{ processed: number }> {
  return rotateClaimed(db, await claimDue(db, now, workerId, opts.limit ?? 20, opts.credentialId), now, workerId);
}

/** Rotates credentials `workerId` has claimed (see rotateDueCredentials); each ends released, rotated or failed. */
async function rotateClaimed(db: PrismaClient, ids: string[], now: Date, workerId: string): Promise<{ processed: number }> {
  let processed = 0;
  for (const id of ids) {
    const c = await db.credential.findUnique({
      where: { id },
      select: {
        ...CREDENTIAL_SCOPE,
        grant: {
          select: {
            ...CREDENTIAL_SCOPE.grant.select,
            entitlement: { select: { name: true, externalRef: true, credentialRotateHours: true, system: { select: { id: true, name: true, connector: true, connectorConfig: true } } } },
            identity: { select: { id: true, kind: true, ownerId: true, displayName: true, email: true } },
          },
        },
      },
    });
    if (!c) continue;
    const g = c.grant;
    let result: Awaited<ReturnType<NonNullable<ReturnType<typeof connectorFor>["rotateCredential"]>>> | null = null;
    let error: string | null = null;
    try {
      const connector = connectorFor(g.entitlement.system.connector);
      if (!connector.rotateCredential) throw new ConnectorError(`The ${g.entitlement.system.connector} connector cannot rotate credentials.`);
      result = await connector.rotateCredential({
        system: { id: g.entitlement.system.id, name: g.entitlement.system.name, connectorConfig: g.entitlement.system.connectorConfig },
        entitlement: { name: g.entitlement.name, externalRef: g.entitlement.externalRef },
        identity: { id: g.identity.id, displayName: g.identity.displayName, email: g.identity.email, kind: g.identity.kind },
        taskId: c.id,
        credential: { grantId: g.id, login: c.login, validUntil: c.validUntil },
      });
      if (!result.receipt.confirmed) error = "The target did not confirm the new password on read-back.";
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const done = await db.$transaction(async (tx) => {
      const guard = { id: c.id, status: "ACTIVE" as const, claimedBy: workerId };
      if (error !== null || !result) {
        const moved = await tx.credential.updateMany({
          where: guard,
          data: { claimedBy: null, claimedUntil: null, rotateAttempts: { increment: 1 }, lastError: (error ?? "No result.").slice(0, 2000), rotateDueAt: new Date(now.getTime() + ROTATION_RETRY_MS) },
        });
        if (moved.count === 0) return false;
        await recordEvent(tx, {
          actorId: null,
          action: "credential.rotation_failed",
          subjectType: "Grant",
          subjectId: g.id,
          occurredAt: now,
          payload: { credentialId: c.id, login: c.login, version: c.version, error: (error ?? "").slice(0, 500), receipt: result?.receipt ?? null, retryAt: new Date(now.getTime() + ROTATION_RETRY_MS) },
        });
        return true;
      }
      const { secret, receipt } = result;
      const moved = await tx.credential.updateMany({
        where: guard,
        data: {
          ciphertext: seal(secret.password, c.id),
          fingerprint: secret.fingerprint,
          version: { increment: 1 },
          rotatedAt: now,
          revealedAt: null,
          revealedById: null,
          rotateDueAt: nextRotation(now, g.entitlement.credentialRotateHours, c.validUntil),
          rotateRequestedById: null,
          claimedBy: null,
          claimedUntil: null,
          rotateAttempts: 0,
          lastError: null,
        },
      });
      if (moved.count === 0) return false;
      await recordEvent(tx, {
        actorId: c.rotateRequestedById,
        action: "credential.rotated",
        subjectType: "Grant",
        subjectId: g.id,
        occurredAt: now,
        payload: {
          credentialId: c.id,
          login: c.login,
          validUntil: c.validUntil,
          version: c.version + 1,
          fingerprint: secret.fingerprint,
          previousFingerprint: c.fingerprint,
          fingerprintOf: "sha256(SCRAM-SHA-256 verifier)",
          cause: c.rotateRequestedById ? "REQUESTED" : "SCHEDULE",
          receipt,
        },
      });
      if (g.identity.ownerId) {
        await notify(tx, {
          recipientIds: [g.identity.ownerId],
          kind: "credential.rotated",
          title: `New password: ${g.entitlement.name}`,
          body: `The login ${c.login} of ${g.identity.displayName} has a new password; the old one no longer works. Reveal it once on the identity's page.`,
          link: `/identities/${g.identityId}`,
          dedupeKey: `credential-rotated:${c.id}:${c.version + 1}`,
        });
      }
      return true;
    });
    if (done) processed++;
  }
  return { processed };
}
