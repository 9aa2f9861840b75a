import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeSystem } from "../../testing/factories";
import { expectCleanRace, moreInstances, race } from "../../testing/race-kit";
import { loadActor } from "../actor";
import { openMoverReview } from "../campaigns/mover-review";
import { BATCH, previewImport } from "./preview";
import { uploadImport } from "./upload";

let db: TestDb;
let admin: Awaited<ReturnType<typeof makeHuman>>;
const now = new Date("2026-11-02T10:00:00Z");
const clock = () => now;

beforeAll(async () => {
  db = await createTestDb();
  admin = await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] });
});
afterAll(async () => {
  await db.close();
});

async function* chunks(text: string, size = 7) {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function preview(csv: string, fullList = false) {
  const actor = (await loadActor(db.prisma, admin.id))!;
  return previewImport({ db: db.prisma, actor, now: clock }, { fileName: "hr.csv", fullList, source: chunks(csv) });
}
const api = () => callerAs(db.prisma, admin.id, clock);
const rows = async (id: string, action: Parameters<ReturnType<typeof api>["identityImport"]["rows"]>[0]["action"]) =>
  (await api().identityImport.rows({ id, action, size: 200 })).rows;

async function directory() {
  const [identities, events, grants, campaigns] = await Promise.all([
    db.prisma.identity.findMany({ orderBy: { id: "asc" } }),
    db.prisma.ledgerEvent.count(),
    db.prisma.grant.findMany({ orderBy: { id: "asc" } }),
    db.prisma.campaign.count(),
  ]);
  return { identities, events, grants, campaigns };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
  return "ok";
}

const uniq = () => Math.random().toString(36).slice(2, 8);

describe(`HR import: preview (${TEST_ENGINE})`, () => {
  it("sorts a file into joiners (manager first), movers, other changes, leavers, NHIs and unchanged rows, changing nothing", async () => {
    const u = uniq();
    const boss = await makeHuman(db.prisma, { name: `Bea Boss ${u}`, department: "Finance" });
    const mover = await makeHuman(db.prisma, { name: `Max Mover ${u}`, department: "Finance" });
    const renamed = await makeHuman(db.prisma, { name: `Old Name ${u}`, department: "Finance" });
    const same = await makeHuman(db.prisma, { name: `Sam Same ${u}`, department: "Finance" });
    const leaver = await makeHuman(db.prisma, { name: `Lou Leaver ${u}`, department: "Finance" });
    const csv = [
      "Email,Display Name,Department,Manager Email,Status,Kind,Owner Email,Purpose,Expires",
      `new.report.${u}@example.test,Nia Report,Sales,new.lead.${u}@example.test,,,,,`,
      `new.lead.${u}@example.test,Lee Lead,Sales,${boss.email},,,,,`,
      `${mover.email},${mover.displayName},Sales,${boss.email},active,human,,,`,
      `${renamed.email},New Name ${u},Finance,,,,,,`,
      `${same.email},${same.displayName},Finance,,,,,,`,
      `${leaver.email},${leaver.displayName},Finance,,leaver,,,,`,
      `,svc-payroll-${u},,,,service_account,${boss.email},Runs payroll,2027-06-30`,
    ].join("\r\n");
    const before = await directory();
    const { id, counts } = await preview(csv);
    expect(counts).toMatchObject({ JOIN: 2, MOVE: 1, UPDATE: 1, LEAVE: 1, NHI_NEW: 1, INVALID: 0, unchanged: 1 });
    const after = await directory();
    expect(after).toEqual(before);

    // The lead joins before the report who names them as manager.
    expect((await rows(id, "JOIN")).map((r) => r.displayName)).toEqual(["Lee Lead", "Nia Report"]);
    expect((await rows(id, "MOVE"))[0]).toMatchObject({ line: 4, identityId: mover.id, detail: { department: { from: "Finance", to: "Sales" }, managerEmail: { from: null, to: boss.email } } });
    expect((await rows(id, "UPDATE"))[0]).toMatchObject({ line: 5, detail: { displayName: { from: renamed.displayName, to: `New Name ${u}` } } });
    expect((await rows(id, "LEAVE"))[0]).toMatchObject({ line: 7, identityId: leaver.id });
    expect((await rows(id, "NHI_NEW"))[0]).toMatchObject({ line: 8, detail: { kind: "SERVICE_ACCOUNT", ownerEmail: boss.email, purpose: "Runs payroll", expiresAt: "2027-06-30T00:00:00.000Z" } });
  });

  it("lists invalid rows with their line and reason: missing email, bad email, unknown manager, bad kind, duplicate line, broken quoting, leaving owner, manager cycle", async () => {
    const u = uniq();
    const gone = await makeHuman(db.prisma, { name: `Gus Gone ${u}` });
    const csv = [
      "email,name,manager,kind,owner,purpose,status",
      `,No Email ${u},,,,,`,
      `not-an-email,Bad Email,,,,,`,
      `a.${u}@example.test,Ann ${u},nobody.${u}@example.test,,,,`,
      `b.${u}@example.test,Bob ${u},,robot,,,`,
      `c.${u}@example.test,Cy ${u},,,,,`,
      `C.${u}@example.test,Cy again ${u},,,,,`,
      `d.${u}@example.test,"Dee ${u}" x,,,,,`,
      `${gone.email},${gone.displayName},,,,,leaver`,
      `,svc-orphan-${u},,workload,${gone.email},Nightly job,`,
      `e.${u}@example.test,Eve ${u},f.${u}@example.test,,,,`,
      `f.${u}@example.test,Fay ${u},e.${u}@example.test,,,,`,
    ].join("\n");
    const { id, counts } = await preview(csv);
    const invalid = await rows(id, "INVALID");
    expect(counts.INVALID).toBe(9);
    const byLine = Object.fromEntries(invalid.map((r) => [r.line, r.reason]));
    expect(byLine).toMatchObject({
      2: "The email is missing.",
      3: '"not-an-email" is not an email address.',
      4: expect.stringContaining(`Unknown manager nobody.${u}@example.test`),
      5: expect.stringContaining('Unknown kind "robot"'),
      7: expect.stringContaining(`also on line 6`),
      8: expect.stringContaining("text after a closing quote"),
      10: expect.stringContaining(`The owner ${gone.email} leaves in this import`),
      11: expect.stringContaining("manager cycle"),
      12: expect.stringContaining("manager cycle"),
    });
  });

  it("sees the whole file past one batch: a duplicate far below names the first line, a manager joining later is created first, a manager leaving later invalidates the report", async () => {
    const u = uniq();
    const boss = await makeHuman(db.prisma, { name: `Big Boss ${u}` });
    const quitter = await makeHuman(db.prisma, { name: `Quinn Quits ${u}` });
    const fill = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `fill.${from + i}.${u}@example.test,Fill ${from + i} ${u},${boss.email},`);
    const lines = [
      "email,name,manager,status",
      `early.${u}@example.test,Early Report ${u},late.lead.${u}@example.test,`, // line 2: names a joiner of line ~1,500
      `dup.${u}@example.test,Dup First ${u},,`, // line 3
      `stays.${u}@example.test,Stays ${u},${quitter.email},`, // line 4: manager leaves on the last line
      ...fill(0, BATCH + 200),
      `late.lead.${u}@example.test,Late Lead ${u},${boss.email},`,
      ...fill(BATCH + 200, 2 * BATCH + 100),
      `DUP.${u}@example.test,Dup Again ${u},,`,
      `${quitter.email},${quitter.displayName},,leaver`,
    ];
    const before = await directory();
    const { id, counts } = await preview(lines.join("\n"));
    expect(await directory()).toEqual(before);
    expect(counts).toMatchObject({ JOIN: 2 * BATCH + 100 + 3, LEAVE: 1, INVALID: 2, unchanged: 0 });
    const invalid = await rows(id, "INVALID");
    expect(invalid.map((r) => [r.line, r.reason])).toEqual([
      [4, `The manager ${quitter.email} leaves in this import.`],
      [lines.length - 1, `The email dup.${u}@example.test is also on line 3: one line per identity.`],
    ]);
    // Apply order: the late lead (a root: their manager is in Warrant) before the report on line 2.
    const pair = await db.prisma.identityImportRow.findMany({ where: { importId: id, displayName: { in: [`Late Lead ${u}`, `Early Report ${u}`] } }, orderBy: { seq: "asc" } });
    expect(pair.map((r) => [r.displayName, r.line])).toEqual([
      [`Late Lead ${u}`, BATCH + 205],
      [`Early Report ${u}`, 2],
    ]);
    const all = await api().identityImport.rows({ id, action: "JOIN", size: 5, q: `Early Report ${u}` });
    expect(all.rows[0]).toMatchObject({ line: 2, detail: { managerEmail: `late.lead.${u}@example.test` } });
  });

  it("a change to a manager the file names only as a manager makes the preview stale; an unchanged line is not listed but counted", async () => {
    const u = uniq();
    const lead = await makeHuman(db.prisma, { name: `Lead ${u}` });
    const member = await makeHuman(db.prisma, { name: `Member ${u}` });
    await db.prisma.identity.update({ where: { id: member.id }, data: { managerId: lead.id } });
    const { id, counts } = await preview(`email,name,manager\n${member.email},${member.displayName},${lead.email}\nnew.${u}@example.test,New ${u},${lead.email}`);
    expect(counts).toMatchObject({ JOIN: 1, unchanged: 1 });
    for (const action of ["JOIN", "MOVE", "UPDATE", "INVALID"] as const) expect((await rows(id, action)).some((r) => r.identityId === member.id)).toBe(false);
    await db.prisma.identity.update({ where: { id: lead.id }, data: { title: "Changed behind the preview" } });
    const before = await directory();
    expect(await refusal(api().identityImport.applyPreview({ id }))).toBe("CONFLICT");
    expect(await directory()).toEqual(before);
  });

  it("refuses a file it cannot read at all (no email column, only a header) and stores nothing", async () => {
    const imports = await db.prisma.identityImport.count();
    await expect(preview("name,department\nAnn,Sales")).rejects.toThrow(/no email column/);
    await expect(preview("email,name\n")).rejects.toThrow(/no rows/);
    await expect(preview("email,name,shoe size\na@x.test,A,42")).rejects.toThrow(/Unknown columns/);
    expect(await db.prisma.identityImport.count()).toBe(imports);
  });

  it("leaves no copy of the upload behind, whether the preview is stored, refused, or too large", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "import-test-"));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      await preview(`email,name\nspool.${uniq()}@example.test,Spool`);
      await expect(preview("email,name\n")).rejects.toThrow(/no rows/);
      async function* huge() {
        for (let i = 0; i < 70; i++) yield new Uint8Array(1024 * 1024).fill(65);
      }
      const actor = (await loadActor(db.prisma, admin.id))!;
      await expect(previewImport({ db: db.prisma, actor, now: clock }, { fileName: "big.csv", fullList: false, source: huge() })).rejects.toThrow(/larger than 64 MiB/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("uploads only for admins: 401 signed out, 404 for anyone else (nothing stored)", async () => {
    const employee = await makeHuman(db.prisma);
    const imports = await db.prisma.identityImport.count();
    const input = () => ({ fileName: "x.csv", fullList: false, source: chunks(`email,name\nz.${uniq()}@example.test,Zed`) });
    expect((await uploadImport(db.prisma, null, input(), clock)).status).toBe(401);
    expect((await uploadImport(db.prisma, employee.id, input(), clock)).status).toBe(404);
    expect(await db.prisma.identityImport.count()).toBe(imports);
    expect((await uploadImport(db.prisma, admin.id, input(), clock)).status).toBe(200);
    expect((await uploadImport(db.prisma, admin.id, { ...input(), source: chunks("email\n") }, clock)).status).toBe(400);
  });
});

describe(`HR import: apply (${TEST_ENGINE})`, () => {
  it("a file with any invalid row applies nothing", async () => {
    const u = uniq();
    const { id } = await preview(`email,name\nok.${u}@example.test,Okay ${u}\n,Missing ${u}`);
    const before = await directory();
    expect(await refusal(api().identityImport.applyPreview({ id }))).toBe("BAD_REQUEST");
    expect(await directory()).toEqual(before);
    expect((await db.prisma.identityImport.findUniqueOrThrow({ where: { id } })).status).toBe("PREVIEWED");
  });

  it("applies exactly the preview once, each change a ledger event naming the import and line; the same file again changes nothing", async () => {
    const u = uniq();
    const boss = await makeHuman(db.prisma, { name: `Bo ${u}` });
    const csv = `email,name,department,manager,kind,owner,purpose\nj.${u}@example.test,Jay ${u},Ops,${boss.email},,,\n,bot-${u},,,ai_agent,j.${u}@example.test,Triages tickets\n`;
    const { id } = await preview(csv);
    const before = await db.prisma.ledgerEvent.count();
    const out = await api().identityImport.applyPreview({ id });
    expect(out.counts).toMatchObject({ JOIN: 1, NHI_NEW: 1 });
    const jay = await db.prisma.identity.findUniqueOrThrow({ where: { email: `j.${u}@example.test` } });
    expect(jay).toMatchObject({ displayName: `Jay ${u}`, department: "Ops", managerId: boss.id, status: "ACTIVE" });
    const bot = await db.prisma.identity.findFirstOrThrow({ where: { displayName: `bot-${u}` } });
    expect(bot).toMatchObject({ kind: "AI_AGENT", ownerId: jay.id, purpose: "Triages tickets" });
    const events = await db.prisma.ledgerEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["identity.joined", "identity.nhi.created", "identity_import.applied"]);
    expect(events[0]!.payload).toMatchObject({ source: { via: "csv", importId: id, line: 2 } });
    expect(events[2]).toMatchObject({ actorId: admin.id, subjectId: id, payload: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), counts: { JOIN: 1, NHI_NEW: 1 } } });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();

    // The same preview twice: refused, nothing changed.
    const mid = await directory();
    expect(await refusal(api().identityImport.applyPreview({ id }))).toBe("CONFLICT");
    expect(await directory()).toEqual(mid);

    // The same file again: nothing to change.
    const again = await preview(csv);
    expect(again.counts).toMatchObject({ JOIN: 0, MOVE: 0, UPDATE: 0, NHI_NEW: 0, NHI_UPDATE: 0, INVALID: 0, unchanged: 2 });
    const identities = await db.prisma.identity.findMany({ orderBy: { id: "asc" } });
    await api().identityImport.applyPreview({ id: again.id });
    expect(await db.prisma.identity.findMany({ orderBy: { id: "asc" } })).toEqual(identities);
  });

  it("a returning person comes back before the joiners who name them as manager, and takes their new details", async () => {
    const u = uniq();
    const back = await makeHuman(db.prisma, { name: `Ray Returns ${u}`, department: "Finance", status: "DEPROVISIONED" });
    const { id, counts } = await preview(`email,name,department,manager\nnewbie.${u}@example.test,Newbie ${u},Sales,${back.email}\n${back.email},${back.displayName},Sales,newbie.${u}@example.test`);
    expect(counts).toMatchObject({ REJOIN: 1, JOIN: 1, INVALID: 0 });
    await api().identityImport.applyPreview({ id });
    const newbie = await db.prisma.identity.findUniqueOrThrow({ where: { email: `newbie.${u}@example.test` } });
    expect(newbie.managerId).toBe(back.id);
    expect(await db.prisma.identity.findUniqueOrThrow({ where: { id: back.id } })).toMatchObject({ status: "ACTIVE", department: "Sales", managerId: newbie.id });
  });

  it("refuses a stale preview (a person it read changed since, or a joiner with an email it names) with CONFLICT and applies nothing", async () => {
    const u = uniq();
    const named = await makeHuman(db.prisma, { name: `Nat ${u}` });
    const csv = `email,name,title\n${named.email},${named.displayName},Analyst\nst.${u}@example.test,Stale ${u},Clerk`;
    const first = await preview(csv);
    await db.prisma.identity.update({ where: { id: named.id }, data: { title: "Changed behind the preview" } });
    const second = await preview(csv);
    await makeHuman(db.prisma).then((p) => db.prisma.identity.update({ where: { id: p.id }, data: { email: `st.${u}@example.test` } }));
    const before = await directory();
    for (const { id } of [first, second]) {
      expect(await refusal(api().identityImport.applyPreview({ id }))).toBe("CONFLICT");
      expect((await db.prisma.identityImport.findUniqueOrThrow({ where: { id } })).status).toBe("PREVIEWED");
    }
    expect(await directory()).toEqual(before);
  });

  it("a change to someone the file does not name does not make the preview stale", async () => {
    const u = uniq();
    const { id } = await preview(`email,name\nfresh.${u}@example.test,Fresh ${u}`);
    const someone = await makeHuman(db.prisma);
    await db.prisma.identity.update({ where: { id: someone.id }, data: { title: "Unrelated change" } });
    await api().identityImport.applyPreview({ id });
    expect(await db.prisma.identity.count({ where: { email: `fresh.${u}@example.test` } })).toBe(1);
  });

  it("only an admin applies (FORBIDDEN for others, nothing changed)", async () => {
    const u = uniq();
    const { id } = await preview(`email,name\nno.${u}@example.test,Nope ${u}`);
    const employee = await makeHuman(db.prisma);
    const before = await directory();
    expect(await refusal(callerAs(db.prisma, employee.id, clock).identityImport.applyPreview({ id }))).toBe("FORBIDDEN");
    expect(await directory()).toEqual(before);
  });

  it("a leaver (status column, or absent from a full list) is deprovisioned and their access revoked", async () => {
    const u = uniq();
    const owner = await makeHuman(db.prisma, { name: `Own ${u}` });
    const sys = await makeSystem(db.prisma, owner.id);
    const ent = await makeEntitlement(db.prisma, sys.id);
    const marked = await makeHuman(db.prisma, { name: `Marked ${u}` });
    const g = await makeGrant(db.prisma, marked.id, ent.id);
    const { id } = await preview(`email,name,status\n${marked.email},${marked.displayName},leaver`);
    await api().identityImport.applyPreview({ id });
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: marked.id } })).status).toBe("DEPROVISIONED");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).status).not.toBe("ACTIVE");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).revocationCause).toBe("LEAVER");
  });

  it("a full list must include the admin running it; with them in it, every active person absent is a leaver", async () => {
    const u = uniq();
    await expect(preview(`email,name\nonly.${u}@example.test,Only ${u}`, true)).rejects.toThrow(/does not include you/);
    const { id, counts } = await preview(`email,name\n${admin.email},${admin.displayName}`, true);
    const active = await db.prisma.identity.count({ where: { kind: "HUMAN", status: "ACTIVE", email: { not: null } } });
    expect(counts.LEAVE).toBe(active - 1);
    expect((await rows(id, "LEAVE")).every((r) => r.line === null)).toBe(true);
  });
});

describe(`mover review (${TEST_ENGINE})`, () => {
  it("a mover with access gets a small review of it for the new manager, notified; without access or manager nothing opens; one per move", async () => {
    const u = uniq();
    const oldBoss = await makeHuman(db.prisma, { name: `Old Boss ${u}` });
    const newBoss = await makeHuman(db.prisma, { name: `New Boss ${u}` });
    const owner = await makeHuman(db.prisma);
    const sys = await makeSystem(db.prisma, owner.id);
    const [e1, e2] = [await makeEntitlement(db.prisma, sys.id), await makeEntitlement(db.prisma, sys.id)];
    const mover = await makeHuman(db.prisma, { name: `Mo ${u}`, managerId: oldBoss.id, department: "Finance" });
    await makeGrant(db.prisma, mover.id, e1.id);
    await makeGrant(db.prisma, mover.id, e2.id);
    const idle = await makeHuman(db.prisma, { name: `Idle ${u}`, managerId: oldBoss.id, department: "Finance" });

    const { id } = await preview(`email,name,department,manager\n${mover.email},${mover.displayName},Sales,${newBoss.email}\n${idle.email},${idle.displayName},Sales,${newBoss.email}`);
    await api().identityImport.applyPreview({ id });

    const campaigns = await db.prisma.campaign.findMany({ where: { scope: { path: ["identityIds"], array_contains: [mover.id] } }, include: { items: true } });
    expect(campaigns).toHaveLength(1);
    const c = campaigns[0]!;
    expect(c).toMatchObject({ status: "ACTIVE", reviewerStrategy: "MANAGER", fallbackReviewerId: admin.id });
    expect(c.dueAt.getTime() - now.getTime()).toBe(14 * 86_400_000);
    expect(c.items.map((i) => i.reviewerId)).toEqual([newBoss.id, newBoss.id]);
    expect(await db.prisma.notification.count({ where: { recipientId: newBoss.id, link: `/campaigns/${c.id}` } })).toBe(1);
    const moved = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "identity.moved", subjectId: mover.id } });
    expect(moved.payload).toMatchObject({ reviewCampaignId: c.id });
    expect(await db.prisma.ledgerEvent.count({ where: { action: "campaign.mover_review_opened", subjectId: c.id } })).toBe(1);
    // No access: no review.
    expect(await db.prisma.campaign.count({ where: { scope: { path: ["identityIds"], array_contains: [idle.id] } } })).toBe(0);

    // The same move reported again opens nothing new.
    const move = { from: { managerId: oldBoss.id, department: "Finance" }, to: { managerId: newBoss.id, department: "Sales" } };
    const again = await db.prisma.$transaction((tx) => openMoverReview(tx, { identityId: mover.id, displayName: mover.displayName, newManagerId: newBoss.id, actorId: admin.id, now, move }));
    expect(again).toEqual({ campaignId: c.id });
    expect(await db.prisma.campaign.count({ where: { moverKey: { not: null }, scope: { path: ["identityIds"], array_contains: [mover.id] } } })).toBe(1);
    // No manager: nothing.
    expect(await db.prisma.$transaction((tx) => openMoverReview(tx, { identityId: mover.id, displayName: mover.displayName, newManagerId: null, actorId: admin.id, now, move }))).toBeNull();
  });
});

describe.runIf(TEST_ENGINE === "postgres")("HR import races (postgres)", () => {
  it("two parallel applies of the same preview apply it once", async () => {
    const u = uniq();
    const { id } = await preview(`email,name\nr1.${u}@example.test,Race One ${u}\nr2.${u}@example.test,Race Two ${u}`);
    const others = moreInstances(db.url!, 3);
    try {
      const t = await race([db.prisma, ...others.map((o) => o.prisma)], 4, (_i, as) => as(admin.id).identityImport.applyPreview({ id }), clock);
      await expectCleanRace(db.prisma, t);
      expect(t.ok).toBe(1);
      expect(t.refused).toEqual({ CONFLICT: 3 });
      expect(await db.prisma.identity.count({ where: { email: { in: [`r1.${u}@example.test`, `r2.${u}@example.test`] } } })).toBe(2);
      expect(await db.prisma.ledgerEvent.count({ where: { action: "identity_import.applied", subjectId: id } })).toBe(1);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
