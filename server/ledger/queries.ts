import type { Tx } from "../db";
import { verifyChain } from "./ledger";

export async function ledgerStatus(db: Tx) {
  const res = await verifyChain(db);
  return { eventsChecked: res.checked, headSeq: res.headSeq.toString(), intact: res.firstBroken === null, firstBroken: res.firstBroken && { seq: res.firstBroken.seq.toString(), reason: res.firstBroken.reason } };
}
