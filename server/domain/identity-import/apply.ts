/**
 * Applying a previewed HR import (preview.ts): exactly the stored rows, in their stored order, in ONE
 * transaction, through the joiner/mover/leaver service (identities/lifecycle.ts), which writes each change's
 * ledger event naming the import and the line. Callable by ADMIN only. Guarantees:
 * - all or nothing: a preview with an invalid row applies nothing (BAD_INPUT); any refusal midway rolls
 *   everything back;
 * - exactly once: the import row is claimed with a conditional write (PREVIEWED → APPLIED); a second apply,
 *   also a parallel one, waits for the first and gets CONFLICT;
 * - never on a stale picture: when the identities the preview read changed since (their fingerprint differs),
 *   CONFLICT and nothing applied: upload the file again for a fresh preview;
 * - idempotent on the same file: applying it again needs a new preview, which finds nothing to change;
 * - one `identity_import.applied` event with the counts, the file's SHA-256 and name.
 */
import type { Tx } from "../../db";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent, withDeferredLedger } from "../../ledger/ledger";
import { hasRole, type ServiceCtx } from "../actor";
import { joinPerson, leavePerson, rejoinPerson, updatePerson, type PersonFields, type SyncSource } from "../identities/lifecycle";
import { lockIdentities } from "../locks";
import type { IdentityImportRow } from "../../db/generated/client";
import { directoryHash, UNCHANGED, type ImportWatch } from "./preview";
import type { ImportCounts } from "./schema";

type Change = { from: unknown; to: unknown };
/** Stored rows read at a time; and the most people remembered by email (the rest are looked up again). */
const PAGE = 1000;
const REMEMBERED = 10_000;

/** The email → id cache stays bounded: past REMEMBERED it starts again (a miss is one indexed lookup). */
function remember(joined: Map<string, string>, email: string, id: string) {
  if (joined.size >= REMEMBERED) joined.clear();
  joined.set(email, id);
}

async function personId(tx: Tx, email: string | null, joined: Map<string, string>): Promise<string | null> {
  if (!email) return null;
  const known = joined.get(email);
  if (known) return known;
  // Emails are stored lower-case (lifecycle.ts), so the unique index finds them; the index on lower("email")
  // finds an address stored before that rule.
  const p =
    (await tx.identity.findFirst({ where: { email, kind: "HUMAN" }, select: { id: true } })) ??
    (await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Identity" WHERE lower("email") = lower(${email}) AND "kind" = 'HUMAN' LIMIT 1`)[0] ??
    null;
  if (!p) throw conflict(`The person ${email} is no longer in Warrant: upload the file again.`);
  remember(joined, email, p.id);
  return p.id;
}

type Base = { actorId: string; now: Date; importId: string };

/** A row's field changes (MOVE, UPDATE, and a returning person's once everyone has joined). */
async function updateFields(tx: Tx, row: IdentityImportRow, base: Base, joined: Map<string, string>): Promise<void> {
  const source: SyncSource = { via: "csv", importId: base.importId, ...(row.line !== null ? { line: row.line } : {}) };
  const fields: Partial<PersonFields> = {};
  for (const [k, c] of Object.entries(row.detail as Record<string, Change>)) {
    if (k === "managerEmail") fields.managerId = await personId(tx, (c.to as string | null) ?? null, joined);
    else (fields as Record<string, unknown>)[k] = c.to;
  }
  if (Object.keys(fields).length) await updatePerson(tx, { actorId: base.actorId, now: base.now, source, identityId: row.identityId!, fields });
}

async function applyRow(tx: Tx, row: IdentityImportRow, base: Base, joined: Map<string, string>): Promise<void> {
  const source: SyncSource = { via: "csv", importId: base.importId, ...(row.line !== null ? { line: row.line } : {}) };
  const common = { actorId: base.actorId, now: base.now, source };
  const d = row.detail as Record<string, unknown>;
  switch (row.action) {
    case "JOIN": {
      const fields: PersonFields = {
        email: String(d.email),
        displayName: String(d.displayName),
        department: (d.department as string | null) ?? null,
        title: (d.title as string | null) ?? null,
        managerId: await personId(tx, (d.managerEmail as string | null) ?? null, joined),
        externalId: (d.externalId as string | null) ?? null,
        employeeNumber: (d.employeeNumber as string | null) ?? null,
      };
      const { identityId } = await joinPerson(tx, { ...common, fields });
      remember(joined, fields.email.toLowerCase(), identityId);
      return;
    }
    case "REJOIN":
      // Active again now (a joiner may name them as manager); their field changes wait for the joiners.
      await rejoinPerson(tx, { ...common, identityId: row.identityId! });
      return;
    case "MOVE":
    case "UPDATE":
      return updateFields(tx, row, base, joined);
    case "LEAVE":
      await leavePerson(tx, { ...common, identityId: row.identityId!, reason: `HR import: ${String(d.reason ?? "leaver")}` });
      return;
    case "NHI_NEW": {
      const ownerId = await personId(tx, String(d.ownerEmail), joined);
      await lockIdentities(tx, [ownerId]);
      const created = await tx.identity.create({
        data: {
          kind: d.kind as "SERVICE_ACCOUNT",
          status: "ACTIVE",
          displayName: String(d.displayName),
          ownerId,
          purpose: String(d.purpose),
          credentialExpiresAt: d.expiresAt ? new Date(String(d.expiresAt)) : null,
        },
        select: { id: true, kind: true, status: true, displayName: true, ownerId: true, purpose: true, credentialExpiresAt: true },
      });
      await recordEvent(tx, {
        actorId: base.actorId,
        action: "identity.nhi.created",
        subjectType: "Identity",
        subjectId: created.id,
        occurredAt: base.now,
        payload: { kind: created.kind, status: created.status, displayName: created.displayName, ownerId: created.ownerId, purpose: created.purpose, credentialExpiresAt: created.credentialExpiresAt, source },
      });
      return;
    }
    case "NHI_UPDATE": {
      const changes = d as Record<string, Change>;
      const data: { ownerId?: string | null; purpose?: string | null; credentialExpiresAt?: Date | null } = {};
      const payload: Record<string, Change> = {};
      if (changes.ownerEmail) {
        data.ownerId = await personId(tx, String(changes.ownerEmail.to), joined);
        await lockIdentities(tx, [data.ownerId]);
        payload.ownerId = { from: null, to: data.ownerId };
      }
      if (changes.purpose) {
        data.purpose = (changes.purpose.to as string | null) ?? null;
        payload.purpose = changes.purpose;
      }
      if (changes.expiresAt) {
        data.credentialExpiresAt = changes.expiresAt.to ? new Date(String(changes.expiresAt.to)) : null;
        payload.credentialExpiresAt = changes.expiresAt;
      }
      const before = await tx.identity.findUnique({ where: { id: row.identityId! }, select: { ownerId: true, status: true } });
      if (!before || before.status === "DEPROVISIONED") throw conflict(`${row.displayName} was retired since the preview: upload the file again.`);
      if (payload.ownerId) payload.ownerId.from = before.ownerId;
      await tx.identity.update({ where: { id: row.identityId! }, data });
      await recordEvent(tx, {
        actorId: base.actorId,
        action: "identity.nhi.updated",
        subjectType: "Identity",
        subjectId: row.identityId!,
        occurredAt: base.now,
        payload: { changes: payload, source },
      });
      return;
    }
    default:
      throw badInput(`Line ${row.line ?? "-"} is invalid: ${row.reason ?? "see the preview"}.`);
  }
}

/** Applies a previewed import (see the file comment). */
export async function applyImport(ctx: ServiceCtx, input: { id: string }): Promise<{ counts: ImportCounts; sha256: string }> {
  if (!hasRole(ctx.actor, "ADMIN")) throw forbidden("Only an admin can import people.");
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      const claimed = await tx.identityImport.updateMany({ where: { id: input.id, status: "PREVIEWED" }, data: { status: "APPLIED", appliedAt: now, appliedById: ctx.actor.id } });
      const imp = await tx.identityImport.findUnique({ where: { id: input.id } });
      if (!imp) throw notFound("The import");
      if (claimed.count !== 1) throw conflict("This import was already applied. Upload the file again to see what is left to change.");
      const counts = imp.counts as unknown as ImportCounts;
      if (counts.INVALID > 0) throw badInput(`This file has ${counts.INVALID} invalid row${counts.INVALID === 1 ? "" : "s"}: nothing was applied. Correct the file and upload it again.`);
      if ((await directoryHash(tx, imp.watch as unknown as ImportWatch, imp.id)) !== imp.directoryHash) {
        throw conflict("People in Warrant changed since this preview was made, so it no longer shows what would happen: nothing was applied. Upload the file again for a fresh preview.");
      }
      // Every change's ledger event waits for the end of the transaction (withDeferredLedger): the ledger's head
      // is then held for one final append, not from the first change of a long import until its commit, so the
      // rest of the portal keeps writing meanwhile (and the head stays the last lock taken: no deadlock with a
      // request holding a person's lock). The events wait in memory, a few hundred bytes per change.
      return withDeferredLedger(tx, () => applyRows(tx, ctx, imp, now, counts));
    },
    // A 100k-line file is one transaction: longer than the default interactive-transaction timeout.
    { timeout: 600_000, maxWait: 10_000 },
  );
}

/** The stored rows, applied in order (see applyImport: inside its transaction, ledger events deferred). */
async function applyRows(tx: Tx, ctx: ServiceCtx, imp: { id: string; fileName: string; sha256: string; fullList: boolean; rowCount: number }, now: Date, counts: ImportCounts) {
  const joined = new Map<string, string>();
  const base = { actorId: ctx.actor.id, now, importId: imp.id };
  // Rows are read a page at a time (never the whole file), in their stored order; unchanged lines are skipped.
  const pages = async function* (action?: string) {
    for (let seq = 0; ; ) {
      const rows = await tx.identityImportRow.findMany({
        where: { importId: imp.id, seq: { gte: seq }, ...(action ? { action } : { action: { not: UNCHANGED } }) },
        orderBy: { seq: "asc" },
        take: PAGE,
      });
      if (rows.length === 0) return;
      yield rows;
      seq = rows[rows.length - 1]!.seq + 1;
    }
  };
  // Returning people are active first (a joiner may name them as manager); their field changes wait for the
  // joiners, and are read again from the stored rows then rather than kept.
  let returning = false;
  const flushReturning = async () => {
    if (!returning) return;
    returning = false;
    for await (const rows of pages("REJOIN")) for (const r of rows) await updateFields(tx, r, base, joined);
  };
  for await (const rows of pages()) {
    for (const row of rows) {
      if (row.action !== "REJOIN" && row.action !== "JOIN") await flushReturning();
      await applyRow(tx, row, base, joined);
      if (row.action === "REJOIN") returning = true;
    }
  }
  await flushReturning();
  await recordEvent(tx, {
    actorId: ctx.actor.id,
    action: "identity_import.applied",
    subjectType: "IdentityImport",
    subjectId: imp.id,
    occurredAt: now,
    payload: { fileName: imp.fileName, sha256: imp.sha256, fullList: imp.fullList, rowCount: imp.rowCount, counts },
  });
  return { counts, sha256: imp.sha256 };
}
