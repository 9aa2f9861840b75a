/**
 * The default approval policy, rule by rule, evaluated by the real Cedar engine (no database: evaluation
 * is pure). Each test is named after the rule it holds.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY_TEXT } from "./default-policy";
import { validatePolicyText } from "./cedar";
import { DURATION_LADDER, evaluatePolicy, policyInputHash, sha256Hex } from "./evaluate";
import type { PolicyInput } from "./types";

const V1 = { id: "00000000-0000-4000-8000-000000000001", version: 1, text: DEFAULT_POLICY_TEXT, sha256: sha256Hex(DEFAULT_POLICY_TEXT) };

type Over = {
  entitlement?: Partial<PolicyInput["entitlement"]>;
  beneficiary?: Partial<PolicyInput["beneficiary"]>;
  facts?: Partial<PolicyInput["facts"]>;
  durationHours?: number;
  emergency?: boolean;
};

/** Priya asks for herself, for a day, for a low-risk requestable entitlement with a 90-day maximum. */
function input(over: Over = {}): PolicyInput {
  return {
    requester: { id: "priya", department: "Engineering" },
    beneficiary: { id: "priya", kind: "HUMAN", ownerId: null, managerId: "marcus", ...over.beneficiary },
    entitlement: {
      id: "ent-1",
      name: "warehouse:analyst",
      systemId: "sys-1",
      systemName: "Data Warehouse",
      risk: "LOW",
      privileged: false,
      requestable: true,
      maxDurationDays: 90,
      ...over.entitlement,
    },
    durationHours: over.durationHours ?? 24,
    emergency: over.emergency ?? false,
    facts: { requesterIsBeneficiary: true, requesterOwnsBeneficiary: false, requesterIsManagerOfBeneficiary: false, conflictingHeld: [], ...over.facts },
  };
}

const decide = (over: Over = {}) => evaluatePolicy(V1, input(over));
/** A service account owned by Priya, asked for by Priya. */
const forOwnNhi: Over = { beneficiary: { id: "svc", kind: "SERVICE_ACCOUNT", ownerId: "priya", managerId: null }, facts: { requesterIsBeneficiary: false, requesterOwnsBeneficiary: true } };

describe("the default policy", () => {
  it("is valid against the schema and gives every policy an id", () => {
    const res = validatePolicyText(DEFAULT_POLICY_TEXT);
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.policyIds).toContain("separation-of-duties");
  });

  it("low risk → the manager approves", () => {
    const d = decide();
    expect(d).toMatchObject({ allowed: true, autoApproved: false, stages: ["MANAGER"] });
    expect(d.error).toBeUndefined();
    expect(d.determining).toEqual(["anyone-may-ask", "low-risk-manager"]);
    expect(d.reasons).toEqual(["Low risk: approved by the manager"]);
  });

  it("medium risk → the manager, then the entitlement owner", () => {
    const d = decide({ entitlement: { risk: "MEDIUM" } });
    expect(d).toMatchObject({ allowed: true, autoApproved: false, stages: ["MANAGER", "OWNER"] });
    expect(d.determining).toEqual(["anyone-may-ask", "medium-risk-manager", "medium-risk-owner"]);
  });

  it.each([
    ["high risk", { risk: "HIGH" as const }],
    ["critical risk", { risk: "CRITICAL" as const }],
    ["privileged (even when low risk)", { risk: "LOW" as const, privileged: true }],
    ["privileged and medium risk", { risk: "MEDIUM" as const, privileged: true }],
  ])("%s → the entitlement owner, then security", (_label, entitlement) => {
    const d = decide({ entitlement });
    expect(d).toMatchObject({ allowed: true, autoApproved: false, stages: ["OWNER", "SECURITY"] });
    expect(d.determining).toEqual(expect.arrayContaining(["high-risk-owner", "high-risk-security"]));
  });

  it("critical risk → at most 7 days: 168 h allowed, 169 h denied with the reason", () => {
    expect(decide({ entitlement: { risk: "CRITICAL" }, durationHours: 168 })).toMatchObject({ allowed: true, maxDurationHours: 168 });
    const d = decide({ entitlement: { risk: "CRITICAL" }, durationHours: 169 });
    expect(d).toMatchObject({ allowed: false, autoApproved: false, stages: [], maxDurationHours: 168 });
    expect(d.reasons).toEqual(["Critical-risk access is granted for at most 7 days (168 hours) at a time"]);
    expect(d.determining).toEqual(["critical-max-7-days"]);
  });

  it("privileged access → at most 30 days", () => {
    expect(decide({ entitlement: { privileged: true }, durationHours: 720 })).toMatchObject({ allowed: true, maxDurationHours: 720 });
    const d = decide({ entitlement: { privileged: true }, durationHours: 721 });
    expect(d).toMatchObject({ allowed: false, maxDurationHours: 720, determining: ["privileged-max-30-days"] });
  });

  it("separation of duties: a conflicting entitlement held is denied, naming it", () => {
    const d = decide({ entitlement: { name: "payments:refund-initiate" }, facts: { conflictingHeld: ["payments:refund-approve"] } });
    expect(d).toMatchObject({ allowed: false, stages: [], maxDurationHours: 0, determining: ["separation-of-duties"] });
    expect(d.reasons).toEqual([
      "Separation of duties: payments:refund-initiate conflicts with payments:refund-approve, which the beneficiary already holds or has requested",
    ]);
  });

  it("a non-human identity: its owner may request, anyone else is denied", () => {
    expect(decide(forOwnNhi)).toMatchObject({ allowed: true, stages: ["MANAGER"] });
    const d = decide({ beneficiary: { id: "svc", kind: "AI_AGENT", ownerId: "sofia", managerId: null }, facts: { requesterIsBeneficiary: false, requesterOwnsBeneficiary: false } });
    expect(d).toMatchObject({ allowed: false, determining: ["nhi-only-by-its-owner"] });
    expect(d.reasons).toEqual(["Only the accountable owner of a non-human identity may request access for it"]);
  });

  // Requests on someone else's behalf: Priya (Engineering) asks for Dev.
  const forReport: Over = { beneficiary: { id: "dev", managerId: "priya" }, facts: { requesterIsBeneficiary: false, requesterIsManagerOfBeneficiary: true, requesterSharesDepartment: true } };
  const forColleague: Over = { beneficiary: { id: "dev", managerId: "marcus" }, facts: { requesterIsBeneficiary: false, requesterSharesDepartment: true } };
  const forStranger: Over = { beneficiary: { id: "dev", managerId: "marcus" }, facts: { requesterIsBeneficiary: false, requesterSharesDepartment: false } };

  it("on behalf: a manager may request for a direct report, through the normal approval chain", () => {
    expect(decide(forReport)).toMatchObject({ allowed: true, stages: ["MANAGER"], determining: ["anyone-may-ask", "low-risk-manager"] });
    expect(decide({ ...forReport, entitlement: { risk: "HIGH" } })).toMatchObject({ allowed: true, stages: ["OWNER", "SECURITY"] });
  });

  it("on behalf: a colleague in the same department may request, with the person's manager as an approval stage even where the chain has none", () => {
    const low = decide(forColleague);
    expect(low).toMatchObject({ allowed: true, stages: ["MANAGER"] });
    expect(low.determining).toContain("on-behalf-colleague-manager");
    const high = decide({ ...forColleague, entitlement: { risk: "HIGH" } });
    expect(high).toMatchObject({ allowed: true, stages: ["MANAGER", "OWNER", "SECURITY"] });
    expect(high.reasons).toContain("Requested by a colleague on the person's behalf: their manager approves it");
    // The same high-risk request made by the person themselves has no manager stage.
    expect(decide({ entitlement: { risk: "HIGH" } }).stages).toEqual(["OWNER", "SECURITY"]);
  });

  it("on behalf: a colleague's request for someone with no manager is denied, with the reason", () => {
    const d = decide({ ...forColleague, beneficiary: { id: "dev", managerId: null } });
    expect(d).toMatchObject({ allowed: false, stages: [], determining: ["on-behalf-colleague-needs-manager"] });
    expect(d.reasons[0]).toMatch(/has no manager in Warrant/);
  });

  it("on behalf: anyone else (neither manager nor same department) is denied with a plain reason", () => {
    const d = decide(forStranger);
    expect(d).toMatchObject({ allowed: false, stages: [], determining: ["on-behalf-manager-or-colleague"] });
    expect(d.reasons).toEqual(["You can request access for another person only as their manager or as a colleague in their department: ask them, or their manager, to make the request"]);
    // A decision stored before the fact existed (no requesterSharesDepartment) reads as "not a colleague".
    const { requesterSharesDepartment: _omitted, ...olderFacts } = input(forStranger).facts;
    expect(evaluatePolicy(V1, { ...input(forStranger), facts: olderFacts }).determining).toEqual(["on-behalf-manager-or-colleague"]);
  });

  it("on behalf: emergency access is asked for only by the person who needs it (manager or colleague alike)", () => {
    for (const o of [forReport, forColleague]) {
      const d = decide({ ...o, emergency: true, durationHours: 2 });
      expect(d).toMatchObject({ allowed: false, autoApproved: false });
      expect(d.determining).toContain("on-behalf-no-emergency");
    }
  });

  it("emergency access ≤ 4 h is auto-approved, with no stages", () => {
    const d = decide({ emergency: true, durationHours: 4, entitlement: { risk: "CRITICAL", privileged: true } });
    expect(d).toMatchObject({ allowed: true, autoApproved: true, stages: [], maxDurationHours: 4 });
    expect(d.determining).toContain("emergency-break-glass");
  });

  it("emergency access > 4 h is denied", () => {
    const d = decide({ emergency: true, durationHours: 5 });
    expect(d).toMatchObject({ allowed: false, autoApproved: false, maxDurationHours: 4, determining: ["emergency-max-4-hours"] });
  });

  it("break-glass cannot be chained: emergency access past 4 h in total within 24 h is denied, with the hours used in the reason", () => {
    const d = decide({ emergency: true, durationHours: 2, facts: { emergencyMinutesUsed: 180 } });
    expect(d).toMatchObject({ allowed: false, autoApproved: false, maxDurationHours: 1 });
    expect(d.determining).toContain("emergency-no-chaining");
    expect(d.reasons.join(" ")).toMatch(/at most 4 hours in total within 24 hours, and 3 h of it is already used or scheduled: request normal access/);
  });

  it("what is left of the 4 h emergency budget is still granted at once", () => {
    expect(decide({ emergency: true, durationHours: 1, facts: { emergencyMinutesUsed: 180 } })).toMatchObject({ allowed: true, autoApproved: true });
    expect(decide({ emergency: true, durationHours: 4, facts: { emergencyMinutesUsed: 0 } })).toMatchObject({ allowed: true, autoApproved: true });
  });

  it("an emergency request that extends break-glass access is never granted at once", () => {
    const d = decide({ emergency: true, durationHours: 1, facts: { emergencyMinutesUsed: 0, extendsEmergencyAccess: true } });
    expect(d.autoApproved).toBe(false);
  });

  it("keeping break-glass access is an ordinary request that security approves too", () => {
    const d = decide({ emergency: false, durationHours: 24, facts: { emergencyMinutesUsed: 240, extendsEmergencyAccess: true } });
    expect(d).toMatchObject({ allowed: true, autoApproved: false, stages: ["MANAGER", "SECURITY"] });
    expect(d.determining).toContain("emergency-extension-security");
  });

  it("a decision stored before the emergency facts existed replays as if none were used", () => {
    const old = input({ emergency: true, durationHours: 2 });
    delete old.facts.emergencyMinutesUsed;
    delete old.facts.extendsEmergencyAccess;
    expect(evaluatePolicy(V1, old)).toMatchObject({ allowed: true, autoApproved: true });
  });

  it("emergency access is still subject to separation of duties", () => {
    expect(decide({ emergency: true, durationHours: 2, facts: { conflictingHeld: ["x"] } })).toMatchObject({ allowed: false, autoApproved: false });
  });

  it("an entitlement that is not requestable is denied", () => {
    const d = decide({ entitlement: { requestable: false } });
    expect(d).toMatchObject({ allowed: false, maxDurationHours: 0, determining: ["requestable-only"] });
    expect(d.reasons[0]).toMatch(/warehouse:analyst cannot be requested/);
  });

  it("a duration above the entitlement's maximum is denied", () => {
    const d = decide({ entitlement: { maxDurationDays: 7 }, durationHours: 169 });
    expect(d).toMatchObject({ allowed: false, maxDurationHours: 168, determining: ["within-entitlement-maximum"] });
    expect(d.reasons).toEqual(["169 hours is longer than the maximum for warehouse:analyst (168 hours)"]);
  });

  it.each([
    ["low risk, 90-day entitlement", 2160, {}],
    ["low risk, 10-day entitlement (its own maximum)", 240, { entitlement: { maxDurationDays: 10 } }],
    ["low risk, 1-year entitlement", 8760, { entitlement: { maxDurationDays: 365 } }],
    ["privileged", 720, { entitlement: { privileged: true } }],
    ["critical", 168, { entitlement: { risk: "CRITICAL" as const } }],
    ["emergency", 4, { emergency: true, durationHours: 1 }],
    ["separation of duties", 0, { facts: { conflictingHeld: ["x"] } }],
    ["not requestable", 0, { entitlement: { requestable: false } }],
  ] as [string, number, Over][])("maxDurationHours: %s → %i h", (_label, hours, over) => {
    expect(decide(over).maxDurationHours).toBe(hours);
  });

  it("the duration ladder is sorted and reaches one year", () => {
    expect([...DURATION_LADDER]).toEqual([...DURATION_LADDER].sort((a, b) => a - b));
    expect(DURATION_LADDER.at(-1)).toBe(8760);
  });
});

describe("evaluation", () => {
  it("is deterministic and records the version, the text hash and the canonical input hash", () => {
    const a = decide({ entitlement: { risk: "MEDIUM" } });
    const b = decide({ entitlement: { risk: "MEDIUM" } });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ policyVersionId: V1.id, policyVersion: 1, policyHash: V1.sha256 });
    expect(a.inputHash).toBe(policyInputHash(input({ entitlement: { risk: "MEDIUM" } })));
    // Key order does not matter (RFC 8785), any value does.
    const reordered = Object.fromEntries(Object.entries(input({ entitlement: { risk: "MEDIUM" } })).reverse()) as PolicyInput;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(input({ entitlement: { risk: "MEDIUM" } })));
    expect(policyInputHash(reordered)).toBe(a.inputHash);
    expect(decide({ entitlement: { risk: "HIGH" } }).inputHash).not.toBe(a.inputHash);
  });

  it("denies when a policy errors while evaluating (any error means deny)", () => {
    const text = `${DEFAULT_POLICY_TEXT}
@id("overflowing")
forbid (principal, action, resource)
when { context.durationHours * 9223372036854775807 > 1 };
`;
    const d = evaluatePolicy({ ...V1, text, sha256: sha256Hex(text) }, input());
    expect(d).toMatchObject({ allowed: false, autoApproved: false, stages: [], maxDurationHours: 0, determining: [] });
    expect(d.error).toMatch(/overflowing.*overflow/);
    expect(d.reasons[0]).toMatch(/^Policy evaluation failed: /);
  });

  it("denies when the text does not match its recorded hash", () => {
    const d = evaluatePolicy({ ...V1, sha256: sha256Hex("something else") }, input());
    expect(d).toMatchObject({ allowed: false });
    expect(d.error).toMatch(/does not match its recorded SHA-256/);
  });

  it("denies when the stored text does not validate", () => {
    const text = `@id("x")\npermit (principal, action, resource) when { resource.nope };`;
    const d = evaluatePolicy({ ...V1, text, sha256: sha256Hex(text) }, input());
    expect(d.allowed).toBe(false);
    expect(d.error).toMatch(/not valid/);
  });

  it.each([
    ["a fractional duration", { durationHours: 1.5 }],
    ["an unknown risk", { entitlement: { risk: "EXTREME" as never } }],
  ] as [string, Over][])("denies, never throws, on a malformed input: %s", (_label, over) => {
    const d = decide(over);
    expect(d.allowed).toBe(false);
    expect(d.error).toBeTruthy();
  });

  it("denies a request the policy allows but gives no route (no stage, no auto-approval)", () => {
    const text = `@id("ask")\npermit (principal, action == Warrant::Action::"request", resource);`;
    const d = evaluatePolicy({ ...V1, text, sha256: sha256Hex(text) }, input());
    expect(d).toMatchObject({ allowed: false, stages: [] });
    expect(d.error).toBeUndefined();
    expect(d.reasons[0]).toMatch(/neither approves this request automatically nor names an approval stage/);
  });

  it("takes about a millisecond per decision", () => {
    decide();
    const n = 200;
    const t = performance.now();
    for (let i = 0; i < n; i++) decide({ durationHours: 1 + (i % 100) });
    const ms = (performance.now() - t) / n;
    console.info(`policy decision: ${ms.toFixed(2)} ms each (${n} decisions, default policy, ladder included)`);
    expect(ms).toBeLessThan(25);
  });
});
