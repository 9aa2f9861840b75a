/**
 * Writes of the approval policy. A version is saved once and never changed (a database trigger refuses
 * UPDATE and DELETE on PolicyVersion); the highest version is in force. Saving is a ledger event in the
 * same transaction.
 */
import type { Tx } from "../../db";
import type { PolicyVersion } from "../../db/generated/client";
import { isUniqueViolation } from "../../db/refusals";
import { badInput, conflict, forbidden } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type ServiceCtx } from "../actor";
import { validatePolicies } from "./cedar";
import { DEFAULT_POLICY_TEXT } from "./default-policy";
import { sha256Hex } from "./evaluate";
import { canEditPolicy } from "./queries";
import type { TSavePolicyVersion } from "./schema";

export const POLICY_SAVED = "policy.version.saved";

function validOrThrow(text: string): string[] {
  const res = validatePolicies(text);
  if (!res.ok) {
    const list = res.errors.map((e) => `${e.policyId ? `[${e.policyId}] ` : ""}${e.message}`).join("; ");
    throw badInput(`The policy was not saved: it has ${res.errors.length === 1 ? "a problem" : `${res.errors.length} problems`}. ${list}`);
  }
  return res.policies.map((p) => p.id);
}

async function createVersion(
  tx: Tx,
  args: { id?: string; text: string; note: string; version: number; previousVersion: number | null; policyIds: string[]; actorId: string | null; onBehalfOfId?: string | null; now: Date },
): Promise<PolicyVersion> {
  const sha256 = sha256Hex(args.text);
  const row = await tx.policyVersion.create({
    data: { id: args.id, version: args.version, text: args.text, sha256, note: args.note, createdById: args.actorId, createdAt: args.now },
  });
  await recordEvent(tx, {
    actorId: args.actorId,
    onBehalfOfId: args.onBehalfOfId ?? null,
    action: POLICY_SAVED,
    subjectType: "PolicyVersion",
    subjectId: row.id,
    occurredAt: args.now,
    payload: { version: row.version, sha256, note: args.note, previousVersion: args.previousVersion, policyIds: args.policyIds },
  });
  return row;
}

/**
 * Saves a new version of the approval policy. ADMIN only (never an auditor). The text must parse and
 * validate against the schema (BAD_INPUT listing every problem, nothing saved) and differ from the version
 * in force; `expectedVersion` must be the version in force (0 when there is none), else CONFLICT, so two
 * admins editing at once cannot overwrite each other. Records "policy.version.saved".
 */
export async function savePolicyVersion(ctx: ServiceCtx, input: TSavePolicyVersion): Promise<PolicyVersion> {
  if (!canEditPolicy(ctx.actor)) throw forbidden("Only an admin can change the approval policy.");
  const policyIds = validOrThrow(input.text);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const current = await tx.policyVersion.findFirst({ orderBy: { version: "desc" }, select: { version: true, sha256: true } });
      const currentVersion = current?.version ?? 0;
      if (currentVersion !== input.expectedVersion) {
        throw conflict(
          `The policy was changed by someone else: version ${currentVersion} is now in force, and you started from version ${input.expectedVersion}. Reload, then make your change again.`,
        );
      }
      if (current && current.sha256 === sha256Hex(input.text)) throw badInput(`Nothing to save: the text is the same as version ${current.version}.`);
      const { actorId, onBehalfOfId } = ledgerActor(ctx.actor);
      // The unique index on `version` is the conditional write: of two saves racing past the check, one fails.
      return createVersion(tx, { text: input.text, note: input.note, version: currentVersion + 1, previousVersion: current?.version ?? null, policyIds, actorId, onBehalfOfId, now: ctx.now() });
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw conflict("Someone else saved a policy version at the same moment. Reload, then make your change again.");
    }
    throw e;
  }
}

/**
 * Creates version 1 from the default policy when no version exists (the seed, tests, a fresh install).
 * Returns the version in force either way. Call it inside a transaction: it records a ledger event.
 * `opts.id` fixes the row id (the seed uses a stable one, so its ledger hashes are reproducible).
 */
export async function ensureDefaultPolicy(tx: Tx, actorId: string | null, now: Date, opts: { id?: string } = {}): Promise<PolicyVersion> {
  const existing = await tx.policyVersion.findFirst({ orderBy: { version: "desc" } });
  if (existing) return existing;
  const policyIds = validOrThrow(DEFAULT_POLICY_TEXT);
  return createVersion(tx, { id: opts.id, text: DEFAULT_POLICY_TEXT, note: "Default approval policy", version: 1, previousVersion: null, policyIds, actorId, now });
}
