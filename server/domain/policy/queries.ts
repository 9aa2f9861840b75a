/**
 * Reads of the approval policy: the version in force, the history, one version, the diff between two, and
 * "try": a draft text evaluated against a sample request with real facts, saving nothing. Readers are
 * ADMIN, SECURITY and AUDITOR; `currentPolicyVersion` is for other services (requests) and checks nothing.
 */
import type { Tx } from "../../db";
import { conflict, forbidden, notFound } from "../../errors";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { validatePolicies, validatePolicyText, type PolicyProblem, type ValidationResult } from "./cedar";
import { buildPolicyInput } from "./facts";
import { evaluatePolicy, replayDecision, sha256Hex, type DecisionDifference, type PolicyVersionRef } from "./evaluate";
import { diffLines, type DiffLine, type TDiffPolicyVersions, type TSampleOptions, type TTryPolicy } from "./schema";
import type { PolicyDecision, PolicyInput, StoredPolicyDecision } from "./types";

export const NO_POLICY_MESSAGE = "No approval policy has been saved yet";

export function canReadPolicy(actor: Actor): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR");
}

/** Whether the actor may save a new version (a hint for pages; savePolicyVersion checks again). */
export function canEditPolicy(actor: Actor): boolean {
  return hasRole(actor, "ADMIN") && !hasRole(actor, "AUDITOR");
}

function requireReader(actor: Actor) {
  if (!canReadPolicy(actor)) throw forbidden("Only admins, security and auditors can see the approval policy.");
}

/** The version in force (the highest). CONFLICT when none has been saved. For the request services. */
export async function currentPolicyVersion(tx: Tx): Promise<PolicyVersionRef> {
  const v = await tx.policyVersion.findFirst({ orderBy: { version: "desc" }, select: { id: true, version: true, text: true, sha256: true } });
  if (!v) throw conflict(NO_POLICY_MESSAGE);
  return v;
}

export type PolicyVersionRow = {
  id: string;
  version: number;
  sha256: string;
  note: string;
  createdAt: Date;
  createdBy: { id: string; name: string } | null;
};

export type PolicyVersionDetail = PolicyVersionRow & {
  text: string;
  policyIds: string[];
  isCurrent: boolean;
  previous: { id: string; version: number } | null;
};

async function names(tx: Tx, ids: (string | null)[]): Promise<Map<string, string>> {
  const want = [...new Set(ids.filter((x): x is string => !!x))];
  if (want.length === 0) return new Map();
  const rows = await tx.identity.findMany({ where: { id: { in: want } }, select: { id: true, displayName: true } });
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

/** Every saved version, newest first (without the text). */
export async function listPolicyVersions(ctx: ServiceCtx): Promise<PolicyVersionRow[]> {
  requireReader(ctx.actor);
  const rows = await ctx.db.policyVersion.findMany({
    orderBy: { version: "desc" },
    select: { id: true, version: true, sha256: true, note: true, createdAt: true, createdById: true },
  });
  const who = await names(ctx.db, rows.map((r) => r.createdById));
  return rows.map(({ createdById, ...r }) => ({ ...r, createdBy: createdById ? { id: createdById, name: who.get(createdById) ?? "Unknown" } : null }));
}

async function detail(ctx: ServiceCtx, where: { id: string } | "current"): Promise<PolicyVersionDetail | null> {
  const v =
    where === "current"
      ? await ctx.db.policyVersion.findFirst({ orderBy: { version: "desc" } })
      : await ctx.db.policyVersion.findUnique({ where: { id: where.id } });
  if (!v) return null;
  const [previous, newest, who] = await Promise.all([
    ctx.db.policyVersion.findFirst({ where: { version: { lt: v.version } }, orderBy: { version: "desc" }, select: { id: true, version: true } }),
    ctx.db.policyVersion.aggregate({ _max: { version: true } }),
    names(ctx.db, [v.createdById]),
  ]);
  const parsed = validatePolicies(v.text);
  return {
    id: v.id,
    version: v.version,
    sha256: v.sha256,
    note: v.note,
    createdAt: v.createdAt,
    createdBy: v.createdById ? { id: v.createdById, name: who.get(v.createdById) ?? "Unknown" } : null,
    text: v.text,
    policyIds: parsed.ok ? parsed.policies.map((p) => p.id) : [],
    isCurrent: newest._max.version === v.version,
    previous,
  };
}

/** The version in force with its text, or null when none has been saved. */
export async function currentPolicyView(ctx: ServiceCtx): Promise<PolicyVersionDetail | null> {
  requireReader(ctx.actor);
  return detail(ctx, "current");
}

export async function policyVersionById(ctx: ServiceCtx, id: string): Promise<PolicyVersionDetail> {
  requireReader(ctx.actor);
  const d = await detail(ctx, { id });
  if (!d) throw notFound("That policy version");
  return d;
}

export type PolicyDiff = {
  from: { id: string; version: number } | null;
  to: { id: string; version: number };
  lines: DiffLine[];
  added: number;
  removed: number;
};

/** Line diff of `toId` against `fromId` (default: the version before it; the first version diffs against nothing). */
export async function diffPolicyVersions(ctx: ServiceCtx, input: TDiffPolicyVersions): Promise<PolicyDiff> {
  requireReader(ctx.actor);
  const to = await ctx.db.policyVersion.findUnique({ where: { id: input.toId }, select: { id: true, version: true, text: true } });
  if (!to) throw notFound("That policy version");
  const from = input.fromId
    ? await ctx.db.policyVersion.findUnique({ where: { id: input.fromId }, select: { id: true, version: true, text: true } })
    : await ctx.db.policyVersion.findFirst({ where: { version: { lt: to.version } }, orderBy: { version: "desc" }, select: { id: true, version: true, text: true } });
  if (input.fromId && !from) throw notFound("That policy version");
  // The first version is all new.
  const lines: DiffLine[] = from ? diffLines(from.text, to.text) : to.text.split("\n").map((text, i) => ({ op: "add", text, oldLine: null, newLine: i + 1 }));
  return {
    from: from ? { id: from.id, version: from.version } : null,
    to: { id: to.id, version: to.version },
    lines,
    added: lines.filter((l) => l.op === "add").length,
    removed: lines.filter((l) => l.op === "remove").length,
  };
}

/** Parses and validates a draft text against the schema. Saves nothing. */
export function validatePolicy(ctx: ServiceCtx, input: { text: string }): ValidationResult {
  requireReader(ctx.actor);
  return validatePolicyText(input.text);
}

export type TryPolicyResult =
  | { ok: false; errors: PolicyProblem[] }
  | { ok: true; input: PolicyInput; decision: PolicyDecision; current: PolicyDecision | null };

/**
 * Evaluates a draft policy text against a sample request built from the real facts (what the beneficiary
 * holds, who owns what), and the version in force against the same request for comparison. Saves nothing.
 */
export async function tryPolicy(ctx: ServiceCtx, input: TTryPolicy): Promise<TryPolicyResult> {
  requireReader(ctx.actor);
  const valid = validatePolicyText(input.text);
  if (!valid.ok) return valid;
  const facts = await buildPolicyInput(ctx.db, { ...input.sample, now: ctx.now() });
  const draft: PolicyVersionRef = { id: "draft", version: 0, text: input.text, sha256: sha256Hex(input.text) };
  const current = await ctx.db.policyVersion.findFirst({ orderBy: { version: "desc" }, select: { id: true, version: true, text: true, sha256: true } });
  return { ok: true, input: facts, decision: evaluatePolicy(draft, facts), current: current ? evaluatePolicy(current, facts) : null };
}

export type SampleOption = { id: string; label: string; detail: string };

/** People, non-human identities and entitlements to build a sample request from (the "Try" pickers). */
export async function sampleOptions(ctx: ServiceCtx, input: TSampleOptions): Promise<{ identities: SampleOption[]; entitlements: SampleOption[] }> {
  requireReader(ctx.actor);
  const q = input.q?.trim();
  const include = input.includeIds ?? [];
  const idWhere = q
    ? { OR: [{ displayName: { contains: q, mode: "insensitive" as const } }, { email: { contains: q, mode: "insensitive" as const } }] }
    : {};
  const [people, extraPeople, ents, extraEnts] = await Promise.all([
    ctx.db.identity.findMany({
      where: { status: "ACTIVE", ...idWhere },
      orderBy: [{ kind: "asc" }, { displayName: "asc" }],
      take: 30,
      select: { id: true, kind: true, displayName: true, email: true, department: true, owner: { select: { displayName: true } } },
    }),
    include.length ? ctx.db.identity.findMany({ where: { id: { in: include } }, select: { id: true, kind: true, displayName: true, email: true, department: true, owner: { select: { displayName: true } } } }) : [],
    ctx.db.entitlement.findMany({
      where: q ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { system: { name: { contains: q, mode: "insensitive" } } }] } : {},
      orderBy: { name: "asc" },
      take: 30,
      select: { id: true, name: true, risk: true, privileged: true, system: { select: { name: true } } },
    }),
    include.length ? ctx.db.entitlement.findMany({ where: { id: { in: include } }, select: { id: true, name: true, risk: true, privileged: true, system: { select: { name: true } } } }) : [],
  ]);
  const seenI = new Set<string>();
  const identities = [...extraPeople, ...people]
    .filter((p) => !seenI.has(p.id) && seenI.add(p.id))
    .map((p) => ({
      id: p.id,
      label: p.displayName,
      detail: p.kind === "HUMAN" ? [p.email, p.department].filter(Boolean).join(" · ") : `${p.kind.replace(/_/g, " ").toLowerCase()} owned by ${p.owner?.displayName ?? "nobody"}`,
    }));
  const seenE = new Set<string>();
  const entitlements = [...extraEnts, ...ents]
    .filter((e) => !seenE.has(e.id) && seenE.add(e.id))
    .map((e) => ({ id: e.id, label: e.name, detail: `${e.system.name} · ${e.risk.toLowerCase()} risk${e.privileged ? " · privileged" : ""}` }));
  return { identities, entitlements };
}

// ---------------------------------------------------------------------------------------------------
// Replay

export type ReplayResult = {
  requestId: string;
  policyVersion: number;
  same: boolean;
  /** The recorded input still hashes to the request's inputHash. */
  inputIntact: boolean;
  differences: DecisionDifference[];
  replayed: PolicyDecision;
};

/**
 * Replays the policy decision stored on a request: the recorded input, evaluated again against the policy
 * version recorded with it, must give the same answers. CONFLICT when the request did not record its input.
 */
export async function replayRequestDecision(tx: Tx, requestId: string): Promise<ReplayResult> {
  const req = await tx.accessRequest.findUnique({
    where: { id: requestId },
    select: { id: true, inputHash: true, policyHash: true, policyDecision: true, policyVersion: { select: { id: true, version: true, text: true, sha256: true } } },
  });
  if (!req) throw notFound("That request");
  const stored = req.policyDecision as unknown as Partial<StoredPolicyDecision> | null;
  if (!stored || typeof stored !== "object" || !stored.input) throw conflict("This request's policy decision did not record its input, so it cannot be replayed.");
  const { input, ...decision } = stored as StoredPolicyDecision;
  const result = replayDecision(req.policyVersion, input, { ...decision, inputHash: req.inputHash, policyHash: req.policyHash });
  return {
    requestId: req.id,
    policyVersion: req.policyVersion.version,
    same: result.same,
    inputIntact: result.replayed.inputHash === req.inputHash,
    differences: result.differences,
    replayed: result.replayed,
  };
}
