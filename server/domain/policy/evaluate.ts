/**
 * Evaluates one request against one policy version. Pure and deterministic: the same version and input
 * give the same decision, byte for byte, in any process; that is what makes a stored decision replayable.
 * Never throws: any problem (a text that does not match its hash or does not validate, an input Cedar
 * refuses, a policy that errors while evaluating) is a denial with `error` set.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../ledger/hash";
import type { ApprovalKind, RiskLevel } from "../../db/generated/client";
import { ACTION_TYPE, cedar, ensureSchema, PRINCIPAL_TYPE, RESOURCE_TYPE, SCHEMA_NAME, toStaticPolicies, validatePolicies, type ParsedPolicy, type PolicyAction } from "./cedar";
import type { PolicyDecision, PolicyInput } from "./types";

export type PolicyVersionRef = { id: string; version: number; text: string; sha256: string };
/**
 * A version named by its hash only, for a caller that knows the set is already prepared (see
 * `isPolicyPrepared`): the text is not read again for every evaluation.
 */
export type PreparedPolicyRef = Omit<PolicyVersionRef, "text"> & { text?: undefined };

/**
 * The durations (hours) tried when working out the longest duration the policy allows: 1 h .. 1 year. The
 * entitlement's own maximum is tried too, so an entitlement of 10 days can get exactly 240 h.
 */
export const DURATION_LADDER = [1, 2, 4, 8, 12, 24, 48, 72, 168, 336, 720, 1440, 2160, 4320, 8760] as const;

const RISK_LEVEL: Record<RiskLevel, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const STAGES: [PolicyAction, ApprovalKind][] = [
  ["requireManager", "MANAGER"],
  ["requireOwner", "OWNER"],
  ["requireSecurity", "SECURITY"],
];

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the input: the input's identity in a stored decision. */
export function policyInputHash(input: PolicyInput): string {
  return sha256Hex(canonicalJson(input));
}

// ---------------------------------------------------------------------------------------------------
// Prepared policy sets: parsed and validated once per text, kept in Cedar's own cache (a fixed number of
// slots, least recently used evicted) so evaluating does not reparse the text.

type Prepared = { slot: string; policies: Map<string, ParsedPolicy> };
const SLOTS = 32;
const prepared = new Map<string, Prepared>(); // key: sha256 of the text; Map order = recency
let nextSlot = 0;

class EvaluationError extends Error {}

function prepare(text: string, sha: string, known?: Prepared): Prepared {
  const hit = known ?? prepared.get(sha);
  if (hit) {
    prepared.delete(sha);
    prepared.set(sha, hit);
    return hit;
  }
  ensureSchema();
  const parsed = validatePolicies(text);
  if (!parsed.ok) throw new EvaluationError(`the policy text is not valid: ${parsed.errors.map((e) => e.message).join("; ")}`);
  let slot: string;
  if (prepared.size < SLOTS) {
    slot = `warrant-policy-${nextSlot++}`;
  } else {
    const [oldest, entry] = prepared.entries().next().value as [string, Prepared];
    prepared.delete(oldest);
    slot = entry.slot;
  }
  const res = cedar.preparsePolicySet(slot, { staticPolicies: toStaticPolicies(parsed.policies) });
  if (res.type !== "success") throw new EvaluationError(`the policy could not be loaded: ${res.errors.map((e) => e.message).join("; ")}`);
  const entry: Prepared = { slot, policies: new Map(parsed.policies.map((p) => [p.id, p])) };
  prepared.set(sha, entry);
  return entry;
}

/**
 * Whether the set with this SHA-256 is prepared in this process (parsed, validated against the schema and
 * verified against that hash when it was loaded). Evaluating a PreparedPolicyRef right after a `true`, with
 * no await in between, uses it.
 */
export function isPolicyPrepared(sha256: string): boolean {
  return prepared.has(sha256);
}

// ---------------------------------------------------------------------------------------------------

type Answer = { allow: boolean; policyIds: string[] };

function cedarCall(input: PolicyInput, action: PolicyAction, durationHours: number): Omit<cedar.StatefulAuthorizationCall, "preparsedPolicySetId"> {
  const e = input.entitlement;
  const riskLevel = RISK_LEVEL[e.risk];
  if (!riskLevel) throw new EvaluationError(`unknown risk level ${JSON.stringify(e.risk)}`);
  const principal = { type: PRINCIPAL_TYPE, id: input.requester.id };
  const resource = { type: RESOURCE_TYPE, id: e.id };
  return {
    principal,
    action: { type: ACTION_TYPE, id: action },
    resource,
    context: {
      beneficiaryKind: input.beneficiary.kind,
      beneficiaryIsHuman: input.beneficiary.kind === "HUMAN",
      durationHours,
      emergency: input.emergency,
      requesterIsBeneficiary: input.facts.requesterIsBeneficiary,
      requesterOwnsBeneficiary: input.facts.requesterOwnsBeneficiary,
      requesterIsManagerOfBeneficiary: input.facts.requesterIsManagerOfBeneficiary,
      requesterSharesDepartment: input.facts.requesterSharesDepartment ?? false,
      beneficiaryHasManager: input.beneficiary.managerId !== null,
      relationToBeneficiary: relationToBeneficiary(input),
      conflictsWithHeld: input.facts.conflictingHeld.length > 0,
      conflictingHeld: input.facts.conflictingHeld,
      emergencyMinutesUsed: input.facts.emergencyMinutesUsed ?? 0,
      extendsEmergencyAccess: input.facts.extendsEmergencyAccess ?? false,
      requesterKind: input.requester.kind ?? "HUMAN",
      requesterIsMachine: input.facts.requesterIsMachine ?? false,
      requesterOwnerIsBeneficiary: input.facts.requesterOwnerIsBeneficiary ?? false,
      requesterOwnerIsManagerOfBeneficiary: input.facts.requesterOwnerIsManagerOfBeneficiary ?? false,
      requesterOwnerSharesDepartment: input.facts.requesterOwnerSharesDepartment ?? false,
      onBehalfOfPerson: input.beneficiary.kind === "HUMAN" && !input.facts.requesterIsBeneficiary,
      viaApiClient: input.facts.viaApiClient ?? false,
    },
    entities: [
      { uid: principal, attrs: { department: input.requester.department ?? "" }, parents: [] },
      {
        uid: resource,
        attrs: {
          name: e.name,
          system: e.systemName,
          risk: e.risk,
          riskLevel,
          privileged: e.privileged,
          requestable: e.requestable,
          maxDurationHours: entitlementMaxHours(input),
        },
        parents: [],
      },
    ],
  };
}

/**
 * How the requester stands to the beneficiary, most specific first: "self", "owner" (of a non-human
 * identity), "agent" (a machine requester acting for someone else: it is nobody's manager or colleague;
 * its owner's standing is in the requesterOwner* facts), "manager", "colleague" (same department), else "none".
 */
export type Relation = "self" | "owner" | "manager" | "colleague" | "agent" | "none";
export function relationToBeneficiary(input: Pick<PolicyInput, "facts">): Relation {
  const f = input.facts;
  if (f.requesterIsBeneficiary) return "self";
  if (f.requesterIsMachine) return "agent";
  if (f.requesterOwnsBeneficiary) return "owner";
  if (f.requesterIsManagerOfBeneficiary) return "manager";
  if (f.requesterSharesDepartment) return "colleague";
  return "none";
}

function entitlementMaxHours(input: PolicyInput): number {
  return input.entitlement.maxDurationDays * 24;
}

function ask(p: Prepared, input: PolicyInput, action: PolicyAction, durationHours: number, validateRequest: boolean): Answer {
  const res = cedar.statefulIsAuthorized({
    ...cedarCall(input, action, durationHours),
    preparsedPolicySetId: p.slot,
    preparsedSchemaName: SCHEMA_NAME,
    validateRequest,
  });
  if (res.type !== "success") throw new EvaluationError(res.errors.map((e) => e.message).join("; "));
  const errs = res.response.diagnostics.errors;
  if (errs.length > 0) {
    // Cedar skips a policy that errors; Warrant does not: an error anywhere means deny.
    throw new EvaluationError(errs.map((x) => `policy "${x.policyId}" (${action}): ${x.error.message}`).join("; "));
  }
  return { allow: res.response.decision === "allow", policyIds: [...res.response.diagnostics.reason].sort() };
}

function minutesText(m: number): string {
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h === 0) return `${rest} min`;
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

/** Fills the placeholders a @reason may use with this request's values. */
function fillReason(template: string, input: PolicyInput): string {
  const values: Record<string, string> = {
    conflictingHeld: input.facts.conflictingHeld.length ? input.facts.conflictingHeld.join(", ") : "a conflicting entitlement",
    durationHours: String(input.durationHours),
    maxDurationHours: String(entitlementMaxHours(input)),
    entitlement: input.entitlement.name,
    system: input.entitlement.systemName,
    emergencyUsed: minutesText(input.facts.emergencyMinutesUsed ?? 0),
  };
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

function reasonsOf(p: Prepared, ids: string[], input: PolicyInput): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const pol = p.policies.get(id);
    const text = pol?.reason ? fillReason(pol.reason, input) : `Policy "${id}" applies`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * The decision for one request under one policy version (see PolicyDecision). Semantics:
 * allowed = `request` permitted; autoApproved = allowed and `autoApprove` permitted; stages = MANAGER,
 * OWNER, SECURITY for each `require*` permitted (none when auto-approved or denied); maxDurationHours =
 * the longest duration on the ladder (or the entitlement's maximum) for which `request` is permitted with
 * everything else unchanged, 0 if none; determining = the ids of the policies that decided these answers.
 */
export function evaluatePolicy(version: PolicyVersionRef | PreparedPolicyRef, input: PolicyInput): PolicyDecision {
  const base = { policyVersionId: version.id, policyVersion: version.version, policyHash: version.sha256 };
  let inputHash = "";
  try {
    inputHash = policyInputHash(input);
  } catch {
    /* reported below: the input itself is unusable */
  }
  try {
    if (!inputHash) throw new EvaluationError("the input cannot be hashed (not plain JSON)");
    let p: Prepared;
    if (version.text === undefined) {
      // Prepared from a text that matched this very hash: the decision is made under the hashed policy.
      const hit = prepared.get(version.sha256);
      if (!hit) throw new EvaluationError(`the policy text of version ${version.version} was not loaded`);
      p = prepare("", version.sha256, hit);
    } else {
      const sha = sha256Hex(version.text);
      if (sha !== version.sha256) throw new EvaluationError(`the policy text does not match its recorded SHA-256 (version ${version.version})`);
      p = prepare(version.text, sha);
    }

    const request = ask(p, input, "request", input.durationHours, true);
    const determining = new Set<string>(request.policyIds);
    const maxDurationHours = longestAllowed(p, input, determining);

    if (!request.allow) {
      const reasons = reasonsOf(p, request.policyIds, input);
      return { ...base, allowed: false, reasons: reasons.length ? reasons : ["No policy allows this request."], autoApproved: false, stages: [], maxDurationHours, determining: [...determining].sort(), inputHash };
    }
    const auto = ask(p, input, "autoApprove", input.durationHours, false);
    if (auto.allow) {
      auto.policyIds.forEach((id) => determining.add(id));
      return { ...base, allowed: true, reasons: reasonsOf(p, auto.policyIds, input), autoApproved: true, stages: [], maxDurationHours: Math.max(maxDurationHours, input.durationHours), determining: [...determining].sort(), inputHash };
    }
    const stages: PolicyDecision["stages"] = [];
    const stageIds: string[] = [];
    for (const [action, kind] of STAGES) {
      const a = ask(p, input, action, input.durationHours, false);
      if (a.allow) {
        stages.push(kind);
        stageIds.push(...a.policyIds);
        a.policyIds.forEach((id) => determining.add(id));
      }
    }
    if (stages.length === 0) {
      return {
        ...base,
        allowed: false,
        reasons: ["The policy neither approves this request automatically nor names an approval stage for it, so it cannot proceed."],
        autoApproved: false,
        stages: [],
        maxDurationHours,
        determining: [...determining].sort(),
        inputHash,
      };
    }
    // A permitted request is always allowed for its own duration, whatever the ladder says.
    return { ...base, allowed: true, reasons: reasonsOf(p, stageIds, input), autoApproved: false, stages, maxDurationHours: Math.max(maxDurationHours, input.durationHours), determining: [...determining].sort(), inputHash };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ...base, allowed: false, reasons: [`Policy evaluation failed: ${message}`], autoApproved: false, stages: [], maxDurationHours: 0, determining: [], inputHash, error: message };
  }
}

/**
 * The longest duration `request` is permitted for, trying the ladder (capped at the entitlement's maximum)
 * from the longest down. The forbids that refused the next longer duration are what limited it: they join
 * `determining`.
 */
function longestAllowed(p: Prepared, input: PolicyInput, determining: Set<string>): number {
  const cap = entitlementMaxHours(input);
  const candidates = [...new Set([...DURATION_LADDER.filter((h) => h < cap), cap])].filter((h) => h > 0).sort((a, b) => b - a);
  let limitedBy: string[] = [];
  for (const hours of candidates) {
    const a = ask(p, input, "request", hours, false);
    if (a.allow) {
      limitedBy.forEach((id) => determining.add(id));
      return hours;
    }
    limitedBy = a.policyIds;
  }
  return 0;
}

export type DecisionDifference = { field: keyof PolicyDecision; stored: unknown; replayed: unknown };

const COMPARED: (keyof PolicyDecision)[] = ["allowed", "autoApproved", "stages", "maxDurationHours", "determining", "inputHash", "policyHash", "reasons", "error"];

/**
 * Replays a stored decision: evaluates the input again against the version it was decided under and
 * compares every answer. `same` is true when nothing differs.
 */
export function replayDecision(
  version: PolicyVersionRef,
  input: PolicyInput,
  stored: Pick<PolicyDecision, "allowed" | "autoApproved" | "stages" | "maxDurationHours" | "determining" | "inputHash"> & Partial<PolicyDecision>,
): { same: boolean; replayed: PolicyDecision; differences: DecisionDifference[] } {
  const replayed = evaluatePolicy(version, input);
  const differences: DecisionDifference[] = [];
  for (const field of COMPARED) {
    if (!(field in stored) && field !== "allowed") continue;
    const a = (stored as Partial<PolicyDecision>)[field];
    const b = replayed[field];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) differences.push({ field, stored: a ?? null, replayed: b ?? null });
  }
  return { same: differences.length === 0, replayed, differences };
}
