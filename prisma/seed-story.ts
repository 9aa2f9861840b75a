/**
 * The demo organisation's last quarter, played through the real services (prisma/seed.ts calls it after the
 * imported base). Nothing here writes a row or a ledger event itself: every change is a service call (the
 * same function a tRPC procedure or a job calls), made as the person who would make it, on a clock that walks
 * forward through the quarter, so the ledger tells the story in order and every evidence-pack check has
 * something to check.
 *
 * The story (day 0 = the start of the quarter, `now` − 91 days; every name is in prisma/seed-data.ts):
 *   day 0    the imported organisation; the evidence key is registered; weekly signed checkpoints from here on
 *   day 3    Lucía Romero asks for dwh:finance-marts-read (medium risk): her manager, then the owner (Sofia
 *            Alvarez) approve; Sofia confirms the manual provisioning. 30 days later it expires and is revoked.
 *   day 6    Catherine Wu asks for payments:refund-initiate: denied by the policy (separation of duties: she
 *            holds payments:refund-approve).
 *   day 9    Hannah Lindqvist asks for datadog:log-rehydration; her manager Nadia Petrova denies it.
 *   day 12   Inês Carvalho asks for vault:read-prod-secrets (high risk, privileged) for 7 days: the system
 *            owner, then security (Omar Haddad) approve; it expires a week later.
 *   day 20   Marcus Chen delegates his approvals to Rebecca Thornton while on leave (days 21–35); on day 24
 *            one of his engineers asks for datadog:standard and Rebecca approves as his delegate.
 *   day 30   Oliver Grant asks for zendesk:light-agent; his manager does not answer, the stage escalates
 *            after 48 hours to security, and Yusuf Demir approves as the fallback approver.
 *   day 45   INC-4790: an SRE gets k8s-prod:exec-pods as break-glass access for 2 hours; Omar Haddad reviews
 *            it the same day; it expires and is revoked.
 *   day 55   Grace Kim publishes policy version 2 (break-glass is for people only).
 *   day 60   Grace Kim launches "Payments Ledger access review" (owners review, she is the fallback);
 *            reviewers keep most access and revoke two grants; she closes it on day 74, the owner
 *            confirms the revocations and the campaign ends CLOSED.
 *   day 80   a Sales account executive leaves: deprovisioned, every grant revoked and confirmed.
 *   day 89   the last scheduled checkpoint.
 * Nothing is left pending: every request is decided, every task confirmed, every review closed, so the
 * portal's inboxes start empty and browser tests see only what they create.
 */
import type { PrismaClient } from "../server/db";
import { loadActor, type ServiceCtx } from "../server/domain/actor";
import { submitRequest } from "../server/domain/requests/service";
import { ZSubmitRequestInput } from "../server/domain/requests/schema";
import { decideStep } from "../server/domain/approvals/service";
import { ZDecideStepInput } from "../server/domain/approvals/schema";
import { createDelegation } from "../server/domain/delegations/service";
import { ZCreateDelegationInput } from "../server/domain/delegations/schema";
import { escalateOverdueStages } from "../server/domain/requests/jobs";
import { confirmTask, deprovisionIdentity, reviewBreakGlass } from "../server/domain/provisioning/service";
import { ZConfirmTaskInput, ZDeprovisionIdentityInput, ZReviewBreakGlassInput } from "../server/domain/provisioning/schema";
import { savePolicyVersion } from "../server/domain/policy/service";
import { ZSavePolicyVersion } from "../server/domain/policy/schema";
import { DEFAULT_POLICY_TEXT } from "../server/domain/policy/default-policy";
import { createCampaign } from "../server/domain/campaigns/define";
import { launchCampaign } from "../server/domain/campaigns/launch";
import { bulkDecide, decideItem } from "../server/domain/campaigns/review";
import { closeCampaign } from "../server/domain/campaigns/close";
import { ZBulkDecideInput, ZCreateCampaignInput, ZDecideInput, ZLaunchCampaignInput } from "../server/domain/campaigns/schema";
import { ZCampaignRef } from "../server/domain/campaigns/ops-schema";
import { revokeExpiredGrants } from "../server/jobs/expiry";
import { processProvisioningTasks } from "../server/jobs/provisioning";
import { followCampaignRemediation } from "../server/jobs/campaigns";
import { checkpointDue } from "../server/jobs/evidence";
import { signCheckpoint } from "../server/evidence/checkpoints";
import { ensureSigningKey, type SigningKey } from "../server/evidence/keys";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How far back the story starts: a quarter (13 weeks) before `now`. */
export const QUARTER_DAYS = 91;

/** Policy version 2: the default policy plus one rule (what the story's policy change publishes). */
export const POLICY_V2_RULE = `
// Break-glass is for people: a non-human identity never gets emergency access to critical-risk access.
@id("no-break-glass-for-nhi-critical")
@reason("Emergency access to critical-risk access is for people only: the owner of {entitlement}'s non-human holder must request normal access")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.emergency && !context.beneficiaryIsHuman && resource.riskLevel >= 4 };
`;
export const POLICY_V2_TEXT = DEFAULT_POLICY_TEXT + POLICY_V2_RULE;

/** What the story did, for the seed's counts and its tests. */
export type StoryFacts = {
  requests: number;
  checkpoints: number;
  campaignId: string;
  leaverId: string;
  /** The story's last moment: "seed.completed" is recorded then, after every event of the story. */
  endedAt: Date;
};

/** A step of the story failed: which one, and why (the seed turns it into a clear message). */
export class StoryStepError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The story's clock: only moves forward, so ledger times never go back. */
class StoryClock {
  private t: number;
  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {
    this.t = start;
  }
  now = (): Date => new Date(this.t);
  /** Moves to `day` (+ hours) of the quarter; never backwards, never past the end. */
  to(day: number, hours = 9): Date {
    const target = this.start + day * DAY + hours * HOUR;
    if (target < this.t) throw new Error(`the story's clock cannot go back (to day ${day})`);
    if (target > this.end) throw new Error(`the story's day ${day} is after now`);
    this.t = target;
    return this.now();
  }
  /** A few minutes later (one person acting after another). */
  tick(minutes = 7): Date {
    this.t = Math.min(this.t + minutes * MINUTE, this.end);
    return this.now();
  }
}

/** Models whose `id` Prisma generates (a UUID): the story gives them name-based ids instead. */
const GENERATED_ID_MODELS = new Set([
  "Identity",
  "System",
  "Entitlement",
  "Grant",
  "PolicyVersion",
  "ConflictRule",
  "AccessRequest",
  "ApprovalStep",
  "Delegation",
  "ProvisioningTask",
  "Notification",
  "Finding",
  "Campaign",
  "ReviewItem",
  "Checkpoint",
]);

/**
 * The client the story runs on: the real one, except that rows created without an id get the next name-based
 * id (`stableId("story", "<Model>:<n>")`) instead of a random UUID. The story is sequential, so the same `now`
 * gives the same ids and the same ledger hashes in every fresh database, as the imported base does.
 */
function deterministicIds(db: PrismaClient, stableId: (kind: string, key: string) => string): PrismaClient {
  let n = 0;
  const next = (model: string) => stableId("story", `${model}:${++n}`);
  const fill = (model: string | undefined, data: unknown) => {
    if (!model || !GENERATED_ID_MODELS.has(model)) return data;
    const one = (d: Record<string, unknown>) => (d.id === undefined ? { ...d, id: next(model) } : d);
    return Array.isArray(data) ? data.map(one) : one(data as Record<string, unknown>);
  };
  return db.$extends({
    query: {
      $allModels: {
        create({ model, args, query }) {
          return query({ ...args, data: fill(model, args.data) } as typeof args);
        },
        createMany({ model, args, query }) {
          return query({ ...args, data: fill(model, args.data) } as typeof args);
        },
        createManyAndReturn({ model, args, query }) {
          return query({ ...args, data: fill(model, args.data) } as typeof args);
        },
      },
    },
  }) as unknown as PrismaClient;
}

type StoryArgs = {
  now: Date;
  key: SigningKey;
  stableId: (kind: string, key: string) => string;
  personId: (key: string) => string;
  entId: (name: string) => string;
};

/** Plays the quarter. Throws StoryStepError naming the step that failed. */
export async function playLastQuarter(root: PrismaClient, a: StoryArgs): Promise<StoryFacts> {
  const db = deterministicIds(root, a.stableId);
  const start = a.now.getTime() - QUARTER_DAYS * DAY;
  const clock = new StoryClock(start, a.now.getTime() - HOUR);
  let step = "start";
  let requests = 0;
  let checkpoints = 0;

  const as = async (personKeyOrId: string): Promise<ServiceCtx> => {
    const id = personKeyOrId.includes("-") ? personKeyOrId : a.personId(personKeyOrId);
    const actor = await loadActor(db, id);
    if (!actor) throw new Error(`${personKeyOrId} is not an active person`);
    return { db, actor, now: clock.now };
  };
  const submit = async (who: string, ent: string, o: { hours: number; justification: string; emergency?: boolean; incidentRef?: string; ticketUrl?: string }) => {
    const ctx = await as(who);
    const holds = await db.grant.count({ where: { identityId: ctx.actor.id, entitlementId: a.entId(ent), status: { in: ["ACTIVE", "PENDING_PROVISION", "PENDING_REVOKE"] } } });
    if (holds) throw new Error(`${who} already holds ${ent}`);
    requests++;
    return submitRequest(ctx, ZSubmitRequestInput.parse({ entitlementId: a.entId(ent), durationHours: o.hours, justification: o.justification, emergency: o.emergency ?? false, incidentRef: o.incidentRef, ticketUrl: o.ticketUrl }));
  };
  const decide = async (who: string, requestId: string, decision: "APPROVE" | "DENY", reason?: string) => {
    clock.tick(37);
    const r = await db.accessRequest.findUniqueOrThrow({ where: { id: requestId }, select: { revision: true, steps: { where: { status: "OPEN" }, select: { id: true } } } });
    const open = r.steps[0];
    if (!open) throw new Error(`request ${requestId} has no open stage`);
    return decideStep(await as(who), ZDecideStepInput.parse({ requestId, stepId: open.id, decision, reason, expectedRevision: r.revision }));
  };
  /** Who confirms a manual task: the system owner, else the entitlement owner, else an admin (never the holder). */
  const confirmer = async (taskId: string): Promise<string> => {
    const t = await db.provisioningTask.findUniqueOrThrow({
      where: { id: taskId },
      select: { grant: { select: { identityId: true, identity: { select: { ownerId: true } }, entitlement: { select: { ownerId: true, system: { select: { ownerId: true } } } } } } },
    });
    const g = t.grant;
    const excluded = new Set([g.identityId, g.identity.ownerId].filter(Boolean));
    const options = [g.entitlement.system.ownerId, g.entitlement.ownerId].filter((x): x is string => !!x && !excluded.has(x));
    for (const id of options) {
      const p = await db.identity.findUnique({ where: { id }, select: { status: true } });
      if (p?.status === "ACTIVE") return id;
    }
    return a.personId("grace.kim");
  };
  /**
   * What the worker and the owners do between story beats: expire what ended, run the outbox, have the owners
   * confirm the manual tasks waiting on them, follow campaign remediation.
   */
  const settle = async () => {
    const t = clock.tick(3);
    await revokeExpiredGrants(db, t);
    await processProvisioningTasks(db, t, "demo-seed", 200);
    const waiting = await db.provisioningTask.findMany({ where: { status: "AWAITING_CONFIRMATION" }, select: { id: true, action: true }, orderBy: { id: "asc" } });
    for (const w of waiting) {
      clock.tick(11);
      const note = w.action === "GRANT" ? "Added in the admin console and checked the user's role list." : "Removed in the admin console; the user no longer has the role.";
      await confirmTask(await as(await confirmer(w.id)), ZConfirmTaskInput.parse({ taskId: w.id, note, outcome: "DONE" }));
    }
    await followCampaignRemediation(db, clock.tick(1));
  };
  /** The worker's scheduled checkpoint (the same rule as the job: only when the ledger moved). */
  const checkpoint = async () => {
    const t = clock.now();
    const cp = await signCheckpoint(db, "schedule", t, { key: a.key, onlyIf: (tx) => checkpointDue(tx, t) });
    if (cp) checkpoints++;
  };
  const run = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    step = name;
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      if (process.env.SEED_TIMING) console.log(`${name}: ${(performance.now() - t0).toFixed(0)} ms`);
    }
  };

  try {
    await run("registering the evidence key", async () => {
      await ensureSigningKey(db, clock.now(), a.key);
      clock.tick(60);
      await checkpoint();
    });
    const weekly = async (day: number) => {
      clock.to(day, 23);
      await settle();
      await checkpoint();
    };

    await run("an approved medium-risk request", async () => {
      clock.to(3);
      const r = await submit("lucia.romero", "dwh:finance-marts-read", {
        hours: 30 * 24,
        justification: "Building the renewal-risk dashboards from the finance marts for the quarterly business reviews with our top merchants.",
        ticketUrl: "https://jira.halcyon.example/browse/CS-1182",
      });
      await decide("victoria.hughes", r.id, "APPROVE", "Agreed in our QBR planning.");
      await decide("sofia.alvarez", r.id, "APPROVE");
      await settle();
    });

    await run("a request denied by the policy (separation of duties)", async () => {
      clock.to(6, 10);
      const r = await submit("catherine.wu", "payments:refund-initiate", { hours: 7 * 24, justification: "Covering refunds for the support team during the month-end close backlog." });
      if (r.status !== "DENIED") throw new Error(`expected the policy to deny it, got ${r.status}`);
    });
    await weekly(6);

    await run("a request denied by the manager", async () => {
      clock.to(9);
      const r = await submit("hannah.lindqvist", "datadog:log-rehydration", { hours: 14 * 24, justification: "Looking at checkout logs to understand where merchants drop off in onboarding." });
      await decide("nadia.petrova", r.id, "DENY", "Logs can hold card-holder payloads: ask the data team for the anonymised funnel export instead.");
    });
    await weekly(13);

    await run("an approved privileged request (owner, then security)", async () => {
      clock.to(15);
      const r = await submit("ines.carvalho", "vault:read-prod-secrets", {
        hours: 7 * 24,
        justification: "Rotating the payment processor API credentials for the PCI key ceremony this week.",
        ticketUrl: "https://jira.halcyon.example/browse/SEC-733",
      });
      await decide("elena.kowalski", r.id, "APPROVE", "Key ceremony scheduled; one week is enough.");
      await decide("omar.haddad", r.id, "APPROVE", "Matches the change calendar entry.");
      await settle();
    });
    await weekly(19);

    await run("a delegation used by the delegate", async () => {
      clock.to(20, 16);
      await createDelegation(
        await as("marcus.chen"),
        ZCreateDelegationInput.parse({ toId: a.personId("rebecca.thornton"), startsAt: new Date(start + 21 * DAY), endsAt: new Date(start + 35 * DAY), reason: "On parental leave: Rebecca decides for the Payments Core team." }),
      );
      clock.to(24);
      const engineer = await db.identity.findFirstOrThrow({
        where: { managerId: a.personId("marcus.chen"), status: "ACTIVE", id: { not: a.personId("priya.nair") }, grants: { none: { entitlementId: a.entId("datadog:standard") } } },
        orderBy: { email: "asc" },
        select: { id: true },
      });
      const r = await submit(engineer.id, "datadog:standard", { hours: 60 * 24, justification: "Creating the settlement latency dashboards and monitors for the payments-core on-call." });
      await decide("rebecca.thornton", r.id, "APPROVE", "Approved for Marcus while he is on leave.");
      await settle();
    });
    await weekly(27);

    await run("an escalated request", async () => {
      clock.to(30);
      const r = await submit("oliver.grant", "zendesk:light-agent", { hours: 45 * 24, justification: "Reading merchant support tickets to prioritise the Q2 product roadmap themes." });
      clock.to(32, 10);
      const escalated = await escalateOverdueStages(db, clock.now());
      if (escalated.processed !== 1) throw new Error(`expected one stage to escalate, ${escalated.processed} did`);
      await decide("yusuf.demir", r.id, "APPROVE", "Escalated: read-only and low risk, approved as fallback.");
      await settle();
    });
    await weekly(34);
    await weekly(41);

    await run("break-glass access and its review", async () => {
      clock.to(45, 3);
      const sre = await db.identity.findFirstOrThrow({
        where: { managerId: a.personId("aisha.bello"), status: "ACTIVE", grants: { none: { entitlementId: a.entId("k8s-prod:exec-pods") } } },
        orderBy: { email: "asc" },
        select: { id: true },
      });
      const r = await submit(sre.id, "k8s-prod:exec-pods", {
        hours: 2,
        emergency: true,
        incidentRef: "INC-4790",
        justification: "INC-4790: settlement workers are stuck; I need to exec into the pods to dump the queue state.",
      });
      if (r.status !== "APPROVED") throw new Error(`expected break-glass to be granted at once, got ${r.status}`);
      await settle();
      clock.to(45, 6);
      await settle();
      clock.to(45, 11);
      await reviewBreakGlass(
        await as("omar.haddad"),
        ZReviewBreakGlassInput.parse({ requestId: r.id, note: "Checked the audit log: only the settlement-worker pods were accessed, as the incident needed. Runbook updated." }),
      );
    });
    await weekly(48);

    await run("a policy change", async () => {
      clock.to(55, 14);
      await savePolicyVersion(await as("grace.kim"), ZSavePolicyVersion.parse({ text: POLICY_V2_TEXT, note: "Break-glass is for people: no emergency critical access for non-human identities (audit finding 2026-07).", expectedVersion: 1 }));
    });
    await weekly(55);

    const campaignId = await run("an access review campaign", async () => {
      clock.to(60);
      const grace = await as("grace.kim");
      const { id } = await createCampaign(
        grace,
        ZCreateCampaignInput.parse({
          name: "Payments Ledger access review",
          description: "Quarterly review of who can move money (PCI DSS 7.2.4): owners confirm each grant or revoke it.",
          scope: { systemIds: [a.stableId("system", "payments")] },
          reviewerStrategy: "ENTITLEMENT_OWNER",
          fallbackReviewerId: grace.actor.id,
          startsAt: clock.now(),
          dueAt: new Date(start + 74 * DAY),
          defaultAction: "KEEP",
        }),
      );
      clock.tick(20);
      const c = await db.campaign.findUniqueOrThrow({ where: { id }, select: { updatedAt: true } });
      await launchCampaign(grace, ZLaunchCampaignInput.parse({ id, expectedUpdatedAt: c.updatedAt }));

      // Two revocations, decided one by one: the refund initiators who moved to other work.
      clock.to(63);
      const revoke = await db.reviewItem.findMany({ where: { campaignId: id, entitlementName: "payments:refund-initiate" }, orderBy: { id: "asc" }, take: 2 });
      if (revoke.length < 2) throw new Error("the review has fewer than two refund-initiate items");
      for (const it of revoke) {
        clock.tick(9);
        await decideItem(await as(it.reviewerId), ZDecideInput.parse({ itemId: it.id, expectedVersion: it.version, decision: "REVOKE", comment: "Moved to the onboarding team last month: no longer initiates refunds." }));
      }
      // The rest kept, each reviewer in one go, with the comment imported (unverified) access needs.
      clock.to(68);
      const open = await db.reviewItem.findMany({ where: { campaignId: id, decision: null }, orderBy: { id: "asc" }, select: { id: true, version: true, reviewerId: true } });
      const byReviewer = new Map<string, { itemId: string; expectedVersion: number }[]>();
      for (const it of open) byReviewer.set(it.reviewerId, [...(byReviewer.get(it.reviewerId) ?? []), { itemId: it.id, expectedVersion: it.version }]);
      for (const [reviewerId, items] of [...byReviewer].sort(([x], [y]) => x.localeCompare(y))) {
        clock.tick(25);
        await bulkDecide(await as(reviewerId), ZBulkDecideInput.parse({ campaignId: id, items, decision: "KEEP", comment: "Checked against the team roster and the PCI access list: still needed for this role." }));
      }
      clock.to(74, 10);
      await closeCampaign(grace, ZCampaignRef.parse({ campaignId: id }));
      await settle();
      const closed = await db.campaign.findUniqueOrThrow({ where: { id }, select: { status: true } });
      if (closed.status !== "CLOSED") throw new Error(`expected the campaign to end CLOSED, it is ${closed.status}`);
      return id;
    });
    await weekly(76);

    const leaverId = await run("a leaver", async () => {
      clock.to(80, 17);
      // An account executive of Claire Dubois's team who holds nothing in a system with an automatic connector.
      const leaver = await db.identity.findFirstOrThrow({
        where: { managerId: a.personId("claire.dubois"), status: "ACTIVE", ownedNhis: { none: {} }, grants: { none: { entitlement: { system: { connector: { not: "MANUAL" } } } } } },
        orderBy: { email: "asc" },
        select: { id: true, displayName: true },
      });
      await deprovisionIdentity(await as("grace.kim"), ZDeprovisionIdentityInput.parse({ identityId: leaver.id, reason: `Leaver: Workday termination of ${leaver.displayName} processed (last day today).` }));
      clock.to(81, 10);
      await settle();
      return leaver.id;
    });
    await weekly(83);

    await run("the last scheduled checkpoint", async () => {
      clock.to(89, 23);
      await settle();
      await checkpoint();
    });
    return { requests, checkpoints, campaignId, leaverId, endedAt: clock.tick(5) };
  } catch (e) {
    throw new StoryStepError(step, e);
  }
}
