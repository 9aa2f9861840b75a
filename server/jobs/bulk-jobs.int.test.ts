/**
 * The bulk paths of the expiry and provisioning jobs: work is claimed in batches (one transaction each, with
 * its ledger events), connector calls run several at once, and several workers share a backlog. These hold
 * the rules at batch boundaries: a backlog larger than a batch is all processed, two workers never do a piece
 * of work twice nor leave one out, a connector failing in the middle of a batch loses nothing, and warnings
 * are still sent once per grant. (On PostgreSQL the two workers are two database clients with pools of their
 * own, running truly at once; on PGlite they interleave on one connection.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle, type PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeNhi, makeSystem } from "../testing/factories";
import { startWebhookServer, type WebhookCall } from "../connectors/webhook-test-server";
import { eventsSince } from "../domain/provisioning/provisioning-test-kit";
import { backoffMs } from "../domain/provisioning/outcome";
import { revokeExpiredGrants, warnExpiringGrants } from "./expiry";
import { claimProvisioningTasks, processProvisioningTasks } from "./provisioning";

const SECRET = "bulk-jobs-secret-0123456789abcdef";
process.env.WARRANT_CONNECTOR_BULK_JOBS_SECRET = SECRET;
const DAY = 86_400_000;

let db: TestDb;
let hook: Awaited<ReturnType<typeof startWebhookServer>>;
const confirmAtOnce = (call: WebhookCall) => ({ status: 200, json: { status: "done", readBack: { hasAccess: call.body.action !== "REVOKE" } } });

beforeAll(async () => {
  db = await createTestDb();
  hook = await startWebhookServer(SECRET, confirmAtOnce);
});
afterAll(async () => {
  await hook.close();
  await db.close();
});

/** A webhook system, an entitlement in it, `n` people (and an NHI for every 5th grant), and `n` grants ending at `expiresAt`. */
async function scene(n: number, expiresAt: Date) {
  const owner = await makeHuman(db.prisma, { name: "Bulk Owner" });
  const sys = await makeSystem(db.prisma, owner.id);
  await db.prisma.system.update({ where: { id: sys.id }, data: { connector: "WEBHOOK", connectorConfig: { url: hook.url, secretRef: "env:WARRANT_CONNECTOR_BULK_JOBS_SECRET" } } });
  const ent = await makeEntitlement(db.prisma, sys.id);
  const holders: string[] = [];
  for (let i = 0; i < n; i++) holders.push(i % 5 === 4 ? (await makeNhi(db.prisma, owner.id)).id : (await makeHuman(db.prisma)).id);
  const grants = await db.prisma.grant.createManyAndReturn({
    data: holders.map((identityId) => ({ identityId, entitlementId: ent.id, status: "ACTIVE" as const, origin: "REQUEST" as const, startsAt: new Date(expiresAt.getTime() - DAY), expiresAt })),
    select: { id: true },
  });
  return { owner, ent, grantIds: grants.map((g) => g.id) };
}

async function eventsPerGrant(since: number, action: string) {
  const events = await eventsSince(db.prisma, since);
  const count = new Map<string, number>();
  for (const e of events) if (e.action === action) count.set(e.subjectId, (count.get(e.subjectId) ?? 0) + 1);
  return count;
}

describe("bulk expiry and provisioning", () => {
  it("processes a backlog larger than one batch completely: every grant expired, its revocation confirmed, each once", async () => {
    const N = 23;
    const now = new Date();
    const { grantIds } = await scene(N, new Date(now.getTime() - 60_000));
    const before = await db.prisma.ledgerEvent.count();
    hook.calls.length = 0;

    expect(await revokeExpiredGrants(db.prisma, now, 1_000, 5)).toEqual({ processed: N });
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "PENDING_REVOKE", revocationCause: "EXPIRY" } })).toBe(N);
    expect(await db.prisma.provisioningTask.count({ where: { grantId: { in: grantIds }, action: "REVOKE", status: "PENDING" } })).toBe(N);
    // The holder (or, for a non-human identity, its owner) is told once per grant.
    expect(await db.prisma.notification.count({ where: { kind: "grant.expired", link: { in: grantIds.map((id) => `/requests/new?extend=${id}`) } } })).toBe(N);

    expect(await processProvisioningTasks(db.prisma, now, "worker-bulk", 1_000, 4)).toEqual({ processed: N });
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "REVOKED" } })).toBe(N);
    const tasks = await db.prisma.provisioningTask.findMany({ where: { grantId: { in: grantIds } } });
    expect(tasks.every((t) => t.status === "DONE" && t.attempts === 1 && t.claimedBy === null && (t.receipt as { confirmed?: boolean }).confirmed === true)).toBe(true);
    expect(hook.calls.map((c) => c.body.taskId).sort()).toEqual(tasks.map((t) => t.id).sort());

    for (const action of ["grant.revocation_requested", "grant.expired", "grant.revoked"]) {
      const per = await eventsPerGrant(before, action);
      expect(grantIds.every((id) => per.get(id) === 1), action).toBe(true);
      expect(per.size, action).toBe(N);
    }
    // Nothing is left for a next run.
    expect(await revokeExpiredGrants(db.prisma, now, 1_000, 5)).toEqual({ processed: 0 });
    expect(await processProvisioningTasks(db.prisma, now, "worker-bulk", 1_000, 4)).toEqual({ processed: 0 });
  });

  it("a run stops at its cap and the next run goes on where it stopped", async () => {
    const N = 12;
    const now = new Date();
    const { grantIds } = await scene(N, new Date(now.getTime() - 60_000));
    expect(await revokeExpiredGrants(db.prisma, now, 7, 3)).toEqual({ processed: 7 });
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "ACTIVE" } })).toBe(N - 7);
    expect(await revokeExpiredGrants(db.prisma, now, 7, 3)).toEqual({ processed: N - 7 });
    expect(await processProvisioningTasks(db.prisma, now, "worker-cap", 5, 2)).toEqual({ processed: 5 });
    expect(await processProvisioningTasks(db.prisma, now, "worker-cap", 100, 2)).toEqual({ processed: N - 5 });
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "REVOKED" } })).toBe(N);
  });

  it("two workers at once never expire or revoke a grant twice, and leave none out", async () => {
    const N = 40;
    const now = new Date();
    const { grantIds } = await scene(N, new Date(now.getTime() - 60_000));
    const before = await db.prisma.ledgerEvent.count();
    hook.calls.length = 0;
    // A slightly slow target, so both workers' connector calls overlap.
    hook.setResponder(async (call) => {
      await new Promise((r) => setTimeout(r, 5));
      return confirmAtOnce(call);
    });
    const own: DbHandle[] = TEST_ENGINE === "postgres" ? [openDb({ url: db.url! }), openDb({ url: db.url! })] : [];
    const clients: PrismaClient[] = own.length ? own.map((h) => h.prisma) : [db.prisma, db.prisma];
    try {
      const work = async (c: PrismaClient, id: string) => {
        let expired = 0;
        let processed = 0;
        // Small batches, several rounds: the workers meet at many batch boundaries.
        for (let round = 0; round < 50; round++) {
          const e = await revokeExpiredGrants(c, now, 1_000, 3);
          const p = await processProvisioningTasks(c, now, id, 1_000, 3);
          expired += e.processed;
          processed += p.processed;
          if (e.processed + p.processed === 0 && (await c.grant.count({ where: { id: { in: grantIds }, status: { not: "REVOKED" } } })) === 0) break;
        }
        return { expired, processed };
      };
      const [a, b] = await Promise.all([work(clients[0], "worker-A"), work(clients[1], "worker-B")]);
      expect(a.expired + b.expired).toBe(N);
      expect(a.processed + b.processed).toBe(N);
    } finally {
      hook.setResponder(confirmAtOnce);
      for (const h of own) await h.close();
    }
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "REVOKED" } })).toBe(N);
    const tasks = await db.prisma.provisioningTask.groupBy({ by: ["grantId"], where: { grantId: { in: grantIds } }, _count: true });
    expect(tasks).toHaveLength(N);
    expect(tasks.every((t) => t._count === 1)).toBe(true);
    // The target was asked once per task.
    const called = hook.calls.map((c) => c.body.taskId as string);
    expect(new Set(called).size).toBe(N);
    expect(called).toHaveLength(N);
    for (const action of ["grant.revocation_requested", "grant.expired", "grant.revoked"]) {
      const per = await eventsPerGrant(before, action);
      expect(per.size, action).toBe(N);
      expect([...per.values()].every((c) => c === 1), action).toBe(true);
    }
  });

  it("a connector failing in the middle of a batch loses nothing: the failed tasks are retried, the others done once", async () => {
    const N = 9;
    const now = new Date();
    const { grantIds } = await scene(N, new Date(now.getTime() - 60_000));
    await revokeExpiredGrants(db.prisma, now, 1_000, 100);
    const tasks = await db.prisma.provisioningTask.findMany({ where: { grantId: { in: grantIds } }, orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }] });
    const failing = new Set([tasks[3].id, tasks[4].id, tasks[7].id]);
    const before = await db.prisma.ledgerEvent.count();
    hook.calls.length = 0;
    hook.setResponder((call) => (failing.has(call.body.taskId as string) ? { status: 503, json: { error: "target briefly unavailable" } } : confirmAtOnce(call)));
    try {
      expect(await processProvisioningTasks(db.prisma, now, "worker-fail", 1_000, 100)).toEqual({ processed: N });
    } finally {
      hook.setResponder(confirmAtOnce);
    }
    const after = await db.prisma.provisioningTask.findMany({ where: { grantId: { in: grantIds } } });
    for (const t of after) {
      if (failing.has(t.id)) {
        expect(t).toMatchObject({ status: "PENDING", attempts: 1, claimedBy: null, claimedUntil: null, doneAt: null });
        expect(t.lastError).toContain("503");
        expect(t.nextAttemptAt.getTime()).toBe(now.getTime() + backoffMs(1));
      } else {
        expect(t).toMatchObject({ status: "DONE", attempts: 1 });
      }
    }
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "PENDING_REVOKE" } })).toBe(failing.size);

    // Not due again before the backoff; then retried, once each, and done.
    expect(await processProvisioningTasks(db.prisma, now, "worker-fail", 1_000, 100)).toEqual({ processed: 0 });
    const later = new Date(now.getTime() + backoffMs(1));
    expect(await processProvisioningTasks(db.prisma, later, "worker-fail", 1_000, 100)).toEqual({ processed: failing.size });
    expect(await db.prisma.grant.count({ where: { id: { in: grantIds }, status: "REVOKED" } })).toBe(N);
    const calls = hook.calls.map((c) => c.body.taskId as string);
    for (const t of tasks) expect(calls.filter((c) => c === t.id)).toHaveLength(failing.has(t.id) ? 2 : 1);
    const revoked = await eventsPerGrant(before, "grant.revoked");
    expect(revoked.size).toBe(N);
    expect([...revoked.values()].every((c) => c === 1)).toBe(true);
  });

  it("warns once per grant, however many batches, runs and workers", async () => {
    const N = 14;
    const now = new Date();
    const { grantIds, owner } = await scene(N, new Date(now.getTime() + DAY));
    const links = grantIds.map((id) => `/requests/new?extend=${id}`);
    const [a, b] = await Promise.all([warnExpiringGrants(db.prisma, now, 1_000, 4), warnExpiringGrants(db.prisma, now, 1_000, 4)]);
    expect(a.processed + b.processed).toBe(N);
    expect(await warnExpiringGrants(db.prisma, new Date(now.getTime() + 3_600_000), 1_000, 4)).toEqual({ processed: 0 });
    const notes = await db.prisma.notification.findMany({ where: { kind: "grant.expiring", link: { in: links } } });
    expect(notes).toHaveLength(N);
    expect(new Set(notes.map((n) => n.link)).size).toBe(N);
    // Every 5th grant is held by a non-human identity: its owner is told.
    expect(notes.filter((n) => n.recipientId === owner.id)).toHaveLength(grantIds.filter((_, i) => i % 5 === 4).length);
    // Clean up: these grants must not be due in the other tests of this file.
    await db.prisma.grant.updateMany({ where: { id: { in: grantIds } }, data: { status: "REVOKED" } });
  });

  it("claims tasks in due order whatever the table's physical order, so a batch's ledger events come in one order", async () => {
    // Inserted latest-due first: a scan of the table meets them in the reverse of their due order. The demo
    // seed's ledger (the same hashes in every fresh database) depends on this order.
    const { grantIds } = await scene(12, new Date(Date.now() + 30 * DAY));
    const base = Date.now() - DAY;
    const due = grantIds.map((grantId, i) => ({ grantId, at: new Date(base + i * 60_000) }));
    await db.prisma.provisioningTask.createMany({ data: [...due].reverse().map((d) => ({ grantId: d.grantId, action: "REVOKE" as const, connector: "WEBHOOK" as const, nextAttemptAt: d.at })) });
    const taskOf = new Map((await db.prisma.provisioningTask.findMany({ where: { grantId: { in: grantIds } }, select: { id: true, grantId: true } })).map((t) => [t.grantId, t.id]));
    const claimed = await claimProvisioningTasks(db.prisma, new Date(), "order-check", 100);
    const mine = claimed.filter((id) => [...taskOf.values()].includes(id));
    expect(mine).toEqual(due.map((d) => taskOf.get(d.grantId)));
    await db.prisma.provisioningTask.deleteMany({ where: { grantId: { in: grantIds } } });
  });

  it("a batch appends its ledger events together, under one head lock taken last (expiry, provisioning)", async () => {
    // The head lock serialises every writer of the portal: a batch that took it at its first event held it
    // through all of its other work. Counted on a client that records the raw statements sent.
    const N = 9;
    const now = new Date();
    const { grantIds } = await scene(N, new Date(now.getTime() - 60_000));
    const headLocks: number[] = [];
    let batch = -1;
    const counting = db.prisma.$extends({
      query: {
        async $queryRaw({ args, query }) {
          const text = JSON.stringify(args);
          if (text.includes('FROM \\"LedgerHead\\"') && text.includes("FOR UPDATE")) headLocks[batch] = (headLocks[batch] ?? 0) + 1;
          else if (text.includes("SKIP LOCKED")) batch++;
          return query(args);
        },
      },
    }) as unknown as PrismaClient;
    const before = await db.prisma.ledgerEvent.count();
    expect(await revokeExpiredGrants(counting, now, 1_000, 5)).toEqual({ processed: N });
    expect(await processProvisioningTasks(counting, now, "worker-one-lock", 1_000, 5)).toEqual({ processed: N });
    // Two expiry batches (5 + 4), their empty third claim, two provisioning batches (5 + 4), their empty claim.
    expect(headLocks).toEqual([1, 1, undefined, 1, 1]);
    const events = await eventsSince(db.prisma, before);
    expect(events.filter((e) => grantIds.includes(e.subjectId)).map((e) => e.action).sort()).toEqual(
      [...Array(N).fill("grant.expired"), ...Array(N).fill("grant.revocation_requested"), ...Array(N).fill("grant.revoked")].sort(),
    );
  });
});
