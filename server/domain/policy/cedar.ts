/**
 * The Cedar engine behind the approval policy: the schema every policy is validated against, parsing a
 * policy text into policies named by their `@id("...")` annotation, and validation with messages a policy
 * author can act on (line numbers, the policy id).
 *
 * A request is asked as five Cedar questions (actions) about the same principal, resource and context:
 *   request          may this be requested at all?
 *   autoApprove      is it granted at once, with no approver?
 *   requireManager, requireOwner, requireSecurity   which approval stages it needs.
 */
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";

export const NAMESPACE = "Warrant";
export const PRINCIPAL_TYPE = `${NAMESPACE}::Person`;
export const RESOURCE_TYPE = `${NAMESPACE}::Entitlement`;
export const ACTION_TYPE = `${NAMESPACE}::Action`;
export const POLICY_ACTIONS = ["request", "autoApprove", "requireManager", "requireOwner", "requireSecurity"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/**
 * The schema (Cedar schema syntax). Risk is given twice: as its name ("LOW".."CRITICAL") for readability
 * and as `riskLevel` 1..4 so policies can compare (`resource.riskLevel >= 3`).
 */
export const POLICY_SCHEMA = `namespace ${NAMESPACE} {
  // The requester. Department is "" when unknown.
  entity Person = {
    department: String,
  };

  // The entitlement asked for.
  entity Entitlement = {
    name: String,
    system: String,
    risk: String,            // "LOW" | "MEDIUM" | "HIGH" | "CRITICAL"
    riskLevel: Long,         // 1 = LOW .. 4 = CRITICAL
    privileged: Bool,
    requestable: Bool,
    maxDurationHours: Long,  // the catalog's maximum for this entitlement
  };

  // Everything else about the request.
  type RequestContext = {
    beneficiaryKind: String,             // "HUMAN" | "SERVICE_ACCOUNT" | "API_KEY" | "OAUTH_APP" | "WORKLOAD" | "AI_AGENT"
    beneficiaryIsHuman: Bool,
    durationHours: Long,
    emergency: Bool,
    requesterIsBeneficiary: Bool,
    requesterOwnsBeneficiary: Bool,      // the requester is the accountable owner of the (non-human) beneficiary
    requesterIsManagerOfBeneficiary: Bool,
    requesterSharesDepartment: Bool,     // requester and (human) beneficiary are different people in the same department
    beneficiaryHasManager: Bool,         // the beneficiary has a manager
    relationToBeneficiary: String,       // "self" | "owner" | "manager" | "colleague" | "agent" | "none"
    conflictsWithHeld: Bool,             // separation of duties: a conflicting entitlement is held or pending
    conflictingHeld: Set<String>,        // the names of those conflicting entitlements
    emergencyMinutesUsed: Long,          // minutes of emergency access to this entitlement the beneficiary had,
                                         // has or is scheduled to have in the last 24 hours
    extendsEmergencyAccess: Bool,        // the request extends a break-glass grant
    requesterKind: String,               // "HUMAN", or the kind of a machine requester ("AI_AGENT", "API_KEY", ...)
    requesterIsMachine: Bool,            // a non-human identity (API client, pipeline, AI agent) submitted it
    requesterOwnerIsBeneficiary: Bool,   // machine requester: the beneficiary is its accountable owner
    requesterOwnerIsManagerOfBeneficiary: Bool, // machine requester: its owner manages the beneficiary
    requesterOwnerSharesDepartment: Bool,       // machine requester: its owner and the beneficiary share a department
    onBehalfOfPerson: Bool,              // the beneficiary is a person other than the requester
    viaApiClient: Bool,                  // submitted through the REST API (/api/v1)
  };

  action request, autoApprove, requireManager, requireOwner, requireSecurity appliesTo {
    principal: Person,
    resource: Entitlement,
    context: RequestContext,
  };
}
`;

export type PolicyProblem = { policyId?: string; line?: number; message: string };
export type ValidationResult = { ok: true; policyIds: string[] } | { ok: false; errors: PolicyProblem[] };

export type ParsedPolicy = {
  id: string;
  effect: "permit" | "forbid";
  /** The `@reason("...")` annotation, if any: what a person is told when this policy applies. */
  reason: string | null;
  /** The policy's own text (a verbatim slice of the whole text). */
  text: string;
  /** 1-based line where the policy starts in the whole text. */
  line: number;
};

export type ParsedPolicySet = { ok: true; policies: ParsedPolicy[] } | { ok: false; errors: PolicyProblem[]; /** the policies that did parse with a good id */ policies?: ParsedPolicy[] };

/** A policy id: readable, no spaces, so it reads well in a decision ("critical-max-7-days"). */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const MAX_POLICIES = 500;

let schemaReady = false;
/** The schema, parsed once per process for stateful evaluation. */
export const SCHEMA_NAME = "warrant-policy-schema-v1";
export function ensureSchema(): void {
  if (schemaReady) return;
  const res = cedar.preparseSchema(SCHEMA_NAME, POLICY_SCHEMA);
  if (res.type !== "success") throw new Error(`the built-in policy schema does not parse: ${res.errors.map((e) => e.message).join("; ")}`);
  schemaReady = true;
}

/** Cedar reports offsets in UTF-8 bytes; turn one into a 1-based line of `text`. */
function lineAtByte(text: string, byteOffset: number): number {
  const prefix = Buffer.from(text, "utf8").subarray(0, Math.max(0, byteOffset)).toString("utf8");
  return prefix.split("\n").length;
}

function lineAtChar(text: string, charOffset: number): number {
  return text.slice(0, charOffset).split("\n").length;
}

function describe(e: cedar.DetailedError): string {
  const label = e.sourceLocations?.find((l) => l.label)?.label;
  let msg = e.message;
  if (label) msg += ` (${label})`;
  if (e.help) msg += `. ${e.help.charAt(0).toUpperCase()}${e.help.slice(1)}`;
  return msg;
}

/**
 * Splits a policy text into its policies, keyed by `@id`. Refuses (with every problem found) text that
 * does not parse, templates, policies without an `@id`, malformed ids and duplicate ids.
 */
export function parsePolicyText(text: string): ParsedPolicySet {
  if (!text.trim()) return { ok: false, errors: [{ message: "The policy is empty: write at least one policy." }] };
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== "success") {
    return {
      ok: false,
      errors: parts.errors.map((e) => {
        const at = e.sourceLocations?.[0];
        const line = at ? lineAtByte(text, at.start) : undefined;
        return { line, message: `Syntax error${line ? ` on line ${line}` : ""}: ${describe(e)}` };
      }),
    };
  }
  const errors: PolicyProblem[] = [];
  if (parts.policy_templates.length > 0) {
    errors.push({ message: "Policy templates (with ?principal or ?resource slots) are not supported: write each policy out in full." });
  }
  if (parts.policies.length > MAX_POLICIES) errors.push({ message: `A policy set may hold at most ${MAX_POLICIES} policies.` });

  // The parts are verbatim slices of the text (sorted by Cedar's internal ids); find where each one starts.
  const used = new Set<number>();
  const located = parts.policies.map((p) => {
    let from = 0;
    let at = text.indexOf(p, from);
    while (at >= 0 && used.has(at)) {
      from = at + 1;
      at = text.indexOf(p, from);
    }
    if (at >= 0) used.add(at);
    return { text: p, at: at < 0 ? 0 : at };
  });
  located.sort((a, b) => a.at - b.at);

  const policies: ParsedPolicy[] = [];
  const firstLine = new Map<string, number>();
  for (const part of located) {
    const line = lineAtChar(text, part.at);
    const json = cedar.policyToJson(part.text);
    if (json.type !== "success") {
      errors.push({ line, message: `Syntax error in the policy on line ${line}: ${json.errors.map(describe).join("; ")}` });
      continue;
    }
    const id = json.json.annotations?.id;
    if (id === undefined || id === null || id === "") {
      errors.push({ line, message: `The policy on line ${line} has no @id("...") annotation: every policy needs a unique id, e.g. @id("low-risk-manager").` });
      continue;
    }
    if (!ID_PATTERN.test(id)) {
      errors.push({
        policyId: id,
        line,
        message: `The id @id("${id}") on line ${line} is not valid: use letters, digits and . _ : - (no spaces), at most 80 characters.`,
      });
      continue;
    }
    const seen = firstLine.get(id);
    if (seen !== undefined) {
      errors.push({ policyId: id, line, message: `Duplicate id: @id("${id}") is used on line ${seen} and again on line ${line}. Policy ids must be unique.` });
      continue;
    }
    firstLine.set(id, line);
    const reason = json.json.annotations?.reason;
    policies.push({ id, effect: json.json.effect, reason: reason ? reason : null, text: part.text, line });
  }
  if (errors.length > 0) return { ok: false, errors, policies };
  return { ok: true, policies };
}

/** The Cedar policy set of parsed policies, keyed by id (so Cedar's diagnostics name them by their @id). */
export function toStaticPolicies(policies: ParsedPolicy[]): Record<string, string> {
  return Object.fromEntries(policies.map((p) => [p.id, p.text]));
}

/**
 * Parses a policy text and validates it against the schema (Cedar's strict mode: unknown attributes,
 * type errors and actions that do not exist are refused). Never throws.
 */
export function validatePolicyText(text: string): ValidationResult {
  const res = validatePolicies(text);
  return res.ok ? { ok: true, policyIds: res.policies.map((p) => p.id) } : res;
}

/** As validatePolicyText, returning the parsed policies. */
export function validatePolicies(text: string): ParsedPolicySet {
  try {
    const parsed = parsePolicyText(text);
    // With only id problems, the policies that have a good id are still checked, so every problem shows at once.
    if (!parsed.ok && !parsed.policies?.length) return parsed;
    const policies = parsed.policies ?? [];
    const earlier = parsed.ok ? [] : parsed.errors;
    const res = cedar.validate({
      schema: POLICY_SCHEMA,
      policies: { staticPolicies: toStaticPolicies(policies) },
      validationSettings: { mode: "strict" },
    });
    if (res.type !== "success") return { ok: false, errors: [...earlier, ...res.errors.map((e) => ({ message: `The policy could not be validated: ${describe(e)}` }))] };
    if (res.validationErrors.length === 0) return parsed.ok ? parsed : { ok: false, errors: earlier };
    const byId = new Map(policies.map((p) => [p.id, p]));
    const found = res.validationErrors.map((v) => {
      const p = byId.get(v.policyId);
      const at = v.error.sourceLocations?.[0];
      const line = p ? p.line - 1 + (at ? lineAtByte(p.text, at.start) : 1) : undefined;
      // Cedar says "for policy `x`, ..."; the id is shown separately, so drop the prefix.
      const message = describe(v.error).replace(/^for policy `[^`]*`, /, "");
      return { policyId: v.policyId, line, message: `${line ? `Line ${line}: ` : ""}${message.charAt(0).toUpperCase()}${message.slice(1)}` };
    });
    const errors: PolicyProblem[] = [...earlier, ...found].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, errors };
  } catch (e) {
    return { ok: false, errors: [{ message: `The policy could not be checked: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

export { cedar };
