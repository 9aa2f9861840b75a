import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import type { PrismaClient } from "../../db";
import { DEFAULT_POLICY_TEXT } from "./default-policy";
import { sha256Hex } from "./evaluate";
import { ensureDefaultPolicy, POLICY_SAVED } from "./service";
import { currentPolicyVersion } from "./queries";

let db: TestDb;
let as: Record<"admin" | "security" | "auditor" | "employee" | "adminAuditor" | "signedOut", ReturnType<typeof callerAs>>;
let admin: { id: string };
const NOW = new Date("2026-03-02T09:00:00.000Z");

async function snapshot(p: PrismaClient) {
  return {
    versions: await p.policyVersion.findMany({ orderBy: { version: "asc" } }),
    events: await p.ledgerEvent.count(),
  };
}
let before: Awaited<ReturnType<typeof snapshot>>;
const expectUnchanged = async () => expect(await snapshot(db.prisma)).toEqual(before);

/** The default policy with one more rule: a distinct, valid text. */
let edits = 0;
const edited = () => `${DEFAULT_POLICY_TEXT}
// Contractors never get critical access.
@id("no-critical-for-contractors-${++edits}")
@reason("Contractors cannot request critical-risk access")
forbid (principal, action == Warrant::Action::"request", resource)
when { principal.department == "Contractors" && resource.riskLevel >= 4 };
`;

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  admin = await makeHuman(p, { roles: ["ADMIN"] });
  const [security, auditor, employee, adminAuditor] = await Promise.all([
    makeHuman(p, { roles: ["SECURITY"] }),
    makeHuman(p, { roles: ["AUDITOR"] }),
    makeHuman(p),
    makeHuman(p, { roles: ["ADMIN", "AUDITOR"] }),
  ]);
  const at = (id: string | null) => callerAs(p, id, () => NOW);
  as = { admin: at(admin.id), security: at(security.id), auditor: at(auditor.id), employee: at(employee.id), adminAuditor: at(adminAuditor.id), signedOut: at(null) };
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await snapshot(db.prisma);
});

describe("the default policy (version 1)", () => {
  it("does not exist yet: the current version is a clear CONFLICT, and reads show none", async () => {
    await expect(currentPolicyVersion(db.prisma)).rejects.toMatchObject({ code: "CONFLICT", message: "No approval policy has been saved yet" });
    expect(await as.admin.policy.current()).toBeNull();
    expect(await as.admin.policy.versions()).toEqual([]);
  });

  it("is created once by ensureDefaultPolicy, with one ledger event; a second call changes nothing", async () => {
    const v1 = await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, NOW));
    expect(v1).toMatchObject({ version: 1, text: DEFAULT_POLICY_TEXT, sha256: sha256Hex(DEFAULT_POLICY_TEXT), createdById: null });
    const events = await db.prisma.ledgerEvent.findMany({ where: { action: POLICY_SAVED } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subjectType: "PolicyVersion", subjectId: v1.id, actorId: null });
    expect(events[0].payload).toMatchObject({ version: 1, sha256: v1.sha256, previousVersion: null, note: "Default approval policy" });
    expect((events[0].payload as { policyIds: string[] }).policyIds).toContain("separation-of-duties");

    const mid = await snapshot(db.prisma);
    const again = await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, NOW));
    expect(again.id).toBe(v1.id);
    expect(await snapshot(db.prisma)).toEqual(mid);
    expect(await currentPolicyVersion(db.prisma)).toEqual({ id: v1.id, version: 1, text: DEFAULT_POLICY_TEXT, sha256: v1.sha256 });
  });
});

describe("policy.save", () => {
  it("lets an admin save a new version: version + 1, SHA-256 of the text, exactly one ledger event", async () => {
    const text = edited();
    const saved = await as.admin.policy.save({ text, note: "Contractors: no critical access", expectedVersion: 1 });
    expect(saved).toMatchObject({ version: 2, text, sha256: sha256Hex(text), note: "Contractors: no critical access", createdById: admin.id });
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events + 1);
    const event = await db.prisma.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ action: POLICY_SAVED, subjectType: "PolicyVersion", subjectId: saved.id, actorId: admin.id });
    expect(event.payload).toMatchObject({ version: 2, sha256: sha256Hex(text), note: "Contractors: no critical access", previousVersion: 1 });
    expect((event.payload as { policyIds: string[] }).policyIds).toContain(`no-critical-for-contractors-${edits}`);

    const current = await as.security.policy.current();
    expect(current).toMatchObject({ id: saved.id, version: 2, isCurrent: true, previous: { version: 1 } });
    expect((await as.auditor.policy.versions()).map((v) => v.version)).toEqual([2, 1]);
  });

  it("normalises Windows line endings, so the same policy always has the same hash", async () => {
    const text = edited();
    const saved = await as.admin.policy.save({ text: text.replace(/\n/g, "\r\n"), note: "CRLF from a Windows editor", expectedVersion: before.versions.length });
    expect(saved.text).toBe(text);
    expect(saved.sha256).toBe(sha256Hex(text));
  });

  it.each([
    ["an employee", "employee"],
    ["a security officer", "security"],
    ["an auditor", "auditor"],
    ["an auditor who also holds ADMIN", "adminAuditor"],
  ] as const)("forbids %s and changes nothing", async (_label, who) => {
    await expect(as[who].policy.save({ text: edited(), note: "Not allowed", expectedVersion: before.versions.length })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged();
  });

  it("refuses the signed-out and changes nothing", async () => {
    await expect(as.signedOut.policy.save({ text: edited(), note: "Not allowed", expectedVersion: before.versions.length })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged();
  });

  it("refuses a save from a stale version with CONFLICT and changes nothing", async () => {
    const stale = before.versions.length - 1;
    await expect(as.admin.policy.save({ text: edited(), note: "Based on an old version", expectedVersion: stale })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(new RegExp(`version ${before.versions.length} is now in force, and you started from version ${stale}`)),
    });
    await expectUnchanged();
  });

  it("of two admins saving from the same version at once, exactly one wins; the other gets CONFLICT", async () => {
    const other = await makeHuman(db.prisma, { roles: ["ADMIN"] });
    before = await snapshot(db.prisma);
    const expectedVersion = before.versions.length;
    const results = await Promise.allSettled([
      as.admin.policy.save({ text: edited(), note: "First admin", expectedVersion }),
      callerAs(db.prisma, other.id, () => NOW).policy.save({ text: edited(), note: "Second admin", expectedVersion }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "CONFLICT" });
    expect(await db.prisma.policyVersion.count()).toBe(expectedVersion + 1);
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events + 1);
  });

  it("refuses the text of the version in force (nothing to save) and changes nothing", async () => {
    const current = before.versions.at(-1)!;
    await expect(as.admin.policy.save({ text: current.text, note: "No change", expectedVersion: current.version })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `Nothing to save: the text is the same as version ${current.version}.`,
    });
    await expectUnchanged();
  });

  it("requires a note", async () => {
    await expect(as.admin.policy.save({ text: edited(), note: "  ", expectedVersion: before.versions.length })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("note: is required"),
    });
    await expectUnchanged();
  });

  const INVALID: [string, string, RegExp][] = [
    ["a syntax error", `@id("broken")\npermit (principal, action, resource) when { context.durationHours > };`, /Syntax error on line 2/],
    ["a schema violation", `@id("typo")\npermit (principal, action == Warrant::Action::"request", resource)\nwhen { resource.riskLvl >= 3 };`, /\[typo\] Line 3: Attribute `riskLvl` on entity type `Warrant::Entitlement` not found/],
    ["an unknown action", `@id("nope")\npermit (principal, action == Warrant::Action::"delete", resource);`, /\[nope\]/],
    ["a policy without @id", `@id("ok")\npermit (principal, action == Warrant::Action::"request", resource);\n\npermit (principal, action == Warrant::Action::"autoApprove", resource);`, /The policy on line 4 has no @id/],
    ["a duplicate id", `@id("twice")\npermit (principal, action == Warrant::Action::"request", resource);\n@id("twice")\nforbid (principal, action == Warrant::Action::"request", resource) when { context.emergency };`, /Duplicate id: @id\("twice"\) is used on line 1 and again on line 3/],
    ["an empty text", "  \n", /The policy is empty/],
  ];

  it.each(INVALID)("refuses %s with BAD_REQUEST listing the problem, and saves nothing", async (_label, text, message) => {
    await expect(as.admin.policy.save({ text, note: "Broken", expectedVersion: before.versions.length })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(message),
    });
    await expectUnchanged();
  });

  it.each(INVALID)("validate reports %s in place (policy id and line), saving nothing", async (_label, text) => {
    const res = await as.auditor.policy.validate({ text });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors.length).toBeGreaterThan(0);
    await expectUnchanged();
  });

  it("validate reports every problem at once: a missing id and a schema violation elsewhere", async () => {
    const text = `@id("typo")\npermit (principal, action == Warrant::Action::"request", resource)\nwhen { resource.riskLvl >= 3 };\n\npermit (principal, action == Warrant::Action::"autoApprove", resource);`;
    const res = await as.admin.policy.validate({ text });
    expect(res).toEqual({
      ok: false,
      errors: [
        { policyId: "typo", line: 3, message: expect.stringMatching(/^Line 3: Attribute `riskLvl`/) },
        { line: 5, message: expect.stringMatching(/^The policy on line 5 has no @id/) },
      ],
    });
  });

  it("validate accepts a valid text and lists its policy ids", async () => {
    const res = await as.security.policy.validate({ text: DEFAULT_POLICY_TEXT });
    expect(res).toMatchObject({ ok: true });
    if (res.ok) expect(res.policyIds[0]).toBe("anyone-may-ask");
    await expectUnchanged();
  });
});

describe("reading versions", () => {
  it("shows a version with its text, policy ids and previous version, and diffs it line by line", async () => {
    const [newest, older] = await as.admin.policy.versions();
    const v = await as.auditor.policy.byId({ id: newest.id });
    expect(v).toMatchObject({ version: newest.version, isCurrent: true, previous: { id: older.id } });
    expect(v.policyIds).toContain("high-risk-security");
    const diff = await as.auditor.policy.diff({ toId: newest.id });
    expect(diff.from).toEqual({ id: older.id, version: older.version });
    // The two latest differ only in the new rule's id: one line out, one line in.
    expect(diff).toMatchObject({ added: 1, removed: 1 });
    expect(diff.lines.filter((l) => l.op !== "same").map((l) => l.op)).toEqual(["remove", "add"]);
    const oldest = (await as.admin.policy.versions()).at(-1)!;
    const sinceV1 = await as.auditor.policy.diff({ toId: newest.id, fromId: oldest.id });
    expect(sinceV1).toMatchObject({ from: { version: 1 }, removed: 0 });
    expect(sinceV1.lines.filter((l) => l.op === "add").map((l) => l.text)).toContain("// Contractors never get critical access.");
    const first = await as.auditor.policy.diff({ toId: oldest.id });
    expect(first).toMatchObject({ from: null, removed: 0 });
    expect(first.lines.every((l) => l.op === "add")).toBe(true);
  });

  it("is closed to employees", async () => {
    await expect(as.employee.policy.current()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as.employee.policy.versions()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as.employee.policy.validate({ text: DEFAULT_POLICY_TEXT })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers NOT_FOUND for an unknown version", async () => {
    await expect(as.admin.policy.byId({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("immutability", () => {
  it("the database refuses to UPDATE or DELETE a saved version", async () => {
    const v = before.versions[0];
    await expect(db.prisma.policyVersion.update({ where: { id: v.id }, data: { text: "permit (principal, action, resource);" } })).rejects.toThrow(/immutable/);
    await expect(db.prisma.policyVersion.delete({ where: { id: v.id } })).rejects.toThrow(/immutable/);
    await expect(db.prisma.$executeRawUnsafe(`UPDATE "PolicyVersion" SET "note" = 'changed' WHERE "id" = '${v.id}'`)).rejects.toThrow(/immutable/);
    await expectUnchanged();
  });
});
