/**
 * Inputs of the campaign owner's operations (remind, extend the due date, close, report), shared by the
 * `campaignOps` router and the browser forms. Pure: client components may import this file.
 */
import { z } from "zod";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE } from "../input-bounds";

const ZId = z.uuid({ message: "must be an id (UUID)" });

export const ZCampaignRef = z.object({ campaignId: ZId }).strict();
export type TCampaignRef = z.input<typeof ZCampaignRef>;

export const ZExtendDueInput = z
  .object({
    campaignId: ZId,
    dueAt: z.coerce.date({ message: "must be a date and time" }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE),
  })
  .strict();
export type TExtendDueInput = z.input<typeof ZExtendDueInput>;

/** The printable report shows at most this many rows; the CSV download always has every item. */
export const REPORT_ROW_LIMIT = 10_000;
