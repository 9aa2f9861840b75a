/**
 * The business clock: the one place business time comes from (services use `ctx.now()`, jobs take a clock).
 *
 * With CLOCK_CONTROL=true (tests and demos only, never production) the clock runs at an offset kept in the
 * database (`Setting` "clock.offsetMs"), shared by the portal and every worker process, so a test can move
 * time forward by days and watch expiry, escalation and reminders happen. Every move is a ledger event.
 */
import type { Tx } from "./db";
import { env } from "./env";
import { recordEvent } from "./ledger/ledger";

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const OFFSET_KEY = "clock.offsetMs";

/** The clock for one request or one job tick: the system clock, or the controlled one when enabled. */
export async function loadClock(db: Tx): Promise<Clock> {
  if (!env().CLOCK_CONTROL) return systemClock;
  const row = await db.setting.findUnique({ where: { key: OFFSET_KEY } });
  const offset = typeof row?.value === "number" ? row.value : 0;
  return () => new Date(Date.now() + offset);
}

export class ClockControlDisabledError extends Error {
  constructor() {
    super("The clock can only be moved when CLOCK_CONTROL=true (tests and demos).");
  }
}

/** Moves the controlled clock forward (or back) by `ms`. Refused unless CLOCK_CONTROL=true. */
export async function advanceClock(db: import("./db").PrismaClient, ms: number, actorId: string | null): Promise<Date> {
  if (!env().CLOCK_CONTROL) throw new ClockControlDisabledError();
  return db.$transaction(async (tx) => {
    const row = await tx.setting.findUnique({ where: { key: OFFSET_KEY } });
    const before = typeof row?.value === "number" ? row.value : 0;
    const offset = before + ms;
    await tx.setting.upsert({ where: { key: OFFSET_KEY }, create: { key: OFFSET_KEY, value: offset }, update: { value: offset } });
    const now = new Date(Date.now() + offset);
    await recordEvent(tx, { actorId, action: "clock.moved", subjectType: "Clock", subjectId: "business-clock", payload: { byMs: ms, offsetMs: offset, now: now.toISOString() } });
    return now;
  });
}
