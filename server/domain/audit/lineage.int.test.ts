import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeGrant } from "../../testing/factories";
import { submitInput, type RequestCast } from "../requests/request-test-kit";
import { auditScene } from "./audit-test-kit";
import { sha256Hex } from "../policy/evaluate";

let db: TestDb;
let c: RequestCast;
let grantId: string;
let requestId: string;

beforeAll(async () => {
  db = await createTestDb();
  ({ c, grantId, requestId } = await auditScene(db.prisma));
});
afterAll(async () => {
  await db.close();
});

describe(`audit.lineage (${TEST_ENGINE})`, () => {
  it("shows the whole chain of a request grant, every link verified against the ledger", async () => {
    const l = await c.as.auditor.audit.lineage({ grantId });
    expect(l.originUnverified).toBe(false);
    expect(l.request).toMatchObject({ id: requestId, justification: submitInput(c.medium.id).justification, ticketUrl: "https://tickets.example/INC-42", proof: { status: "verified", action: "request.submitted" } });
    expect(l.policy?.proof.status).toBe("verified");
    expect(l.approvals.map((a) => [a.kind, a.status, a.decidedBy?.id, a.proof?.status])).toEqual([
      ["MANAGER", "APPROVED", c.manager.id, "verified"],
      ["OWNER", "APPROVED", c.owner.id, "verified"],
    ]);
    expect(l.approvals[0]!.authority).toMatchObject({ kind: "MANAGER_OF" });
    expect(l.approvalOutcome).toMatchObject({ kind: "APPROVED", proof: { status: "verified" } });
    expect(l.provisioning?.proof.status).toBe("verified");
    expect(l.provisioning?.tasks[0]).toMatchObject({ action: "GRANT", status: "DONE", confirmedBy: { id: c.owner.id }, confirmNote: "Added to the write-batches group" });
    expect(l.reviews).toHaveLength(1);
    expect(l.reviews[0]).toMatchObject({ decision: "REVOKE", decidedBy: { id: c.manager.id }, remediation: "CONFIRMED", proof: { status: "verified" }, remediationProof: { status: "verified" } });
    expect(l.revocation).toMatchObject({ cause: "REVIEW", proof: { status: "verified", action: "grant.revoked" }, requested: { status: "verified" } });
    expect(l.revocation?.tasks[0]).toMatchObject({ action: "REVOKE", status: "DONE" });
    expect(l.summary.missing + l.summary.broken).toBe(0);
    expect(l.summary.verified).toBe(l.summary.links);
  });

  it("shows the exact policy version text and verifies its sha256 by recomputing it", async () => {
    const l = await c.as.auditor.audit.lineage({ grantId });
    const pv = await db.prisma.policyVersion.findFirstOrThrow({ where: { requests: { some: { id: requestId } } } });
    expect(l.policy).toMatchObject({ version: pv.version, text: pv.text, storedSha256: pv.sha256, recomputedSha256: sha256Hex(pv.text), textVerified: true });
  });

  it("marks imported standing access as origin unverified", async () => {
    const g = await makeGrant(db.prisma, c.peer.id, c.low.id, { origin: "IMPORTED" });
    const l = await c.as.security.audit.lineage({ grantId: g.id });
    expect(l.originUnverified).toBe(true);
    expect(l.request).toBeNull();
    expect(l.approvals).toEqual([]);
    // The factory writes no "grant.imported" event: the import itself is unproven too.
    expect(l.imported?.proof).toMatchObject({ status: "missing", action: "grant.imported" });
  });

  it("marks a link broken when the ledger event recording it was altered", async () => {
    const e = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: requestId, action: "request.submitted" } });
    await db.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "payload" = jsonb_set("payload", '{justification}', '"edited afterwards"') WHERE "seq" = ${e.seq};
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    const l = await c.as.admin.audit.lineage({ grantId });
    expect(l.request?.proof).toMatchObject({ status: "broken", reason: expect.stringContaining("hash mismatch") });
    expect(l.summary.broken).toBe(1);
    const page = await c.as.auditor.ledger.list({ subjectId: requestId, action: "request.submitted" });
    expect(page.rows[0]!.link).toMatchObject({ ok: false });
    await db.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "payload" = '${JSON.stringify(e.payload).replace(/'/g, "''")}'::jsonb WHERE "seq" = ${e.seq};
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    expect((await c.as.admin.audit.lineage({ grantId })).summary.broken).toBe(0);
  });

  it("finds grants by holder, entitlement or system", async () => {
    const byHolder = await c.as.auditor.audit.grants({ q: "priya" });
    expect(byHolder.rows.map((r) => r.id)).toContain(grantId);
    const byEnt = await c.as.auditor.audit.grants({ q: "write-batches", status: "REVOKED" });
    expect(byEnt.rows.map((r) => r.id)).toEqual([grantId]);
    expect((await c.as.auditor.audit.grants({ q: "no such thing anywhere" })).total).toBe(0);
  });

  it("NOT_FOUND for an unknown grant; FORBIDDEN for people without an audit role", async () => {
    await expect(c.as.auditor.audit.lineage({ grantId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as.employee.audit.lineage({ grantId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as.owner.audit.grants({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
