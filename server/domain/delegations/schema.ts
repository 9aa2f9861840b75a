/** Inputs of delegations (out of office: my approvals go to someone else for a window). Pure. */
import { z } from "zod";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE } from "../input-bounds";

export const DELEGATION_MAX_DAYS = 90;
const ZId = z.uuid({ message: "must be an id (UUID)" });

export const ZCreateDelegationInput = z
  .object({
    toId: z.uuid({ message: "choose the person to delegate to" }),
    startsAt: z.coerce.date({ message: "must be a date and time" }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE),
    endsAt: z.coerce.date({ message: "must be a date and time" }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE),
    reason: z.string().trim().min(5, { message: "must be at least 5 characters (e.g. “On leave 3–14 March”)" }).max(500, { message: "must be at most 500 characters" }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.endsAt.getTime() <= v.startsAt.getTime()) ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after the start" });
    else if (v.endsAt.getTime() - v.startsAt.getTime() > DELEGATION_MAX_DAYS * 86_400_000) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: `must be at most ${DELEGATION_MAX_DAYS} days after the start` });
    }
  });
export type TCreateDelegationInput = z.input<typeof ZCreateDelegationInput>;

export const ZRevokeDelegationInput = z.object({ id: ZId }).strict();

export const ZDelegateOptionsInput = z.object({ q: z.string().trim().max(200).optional() }).strict();
