// npm run ledger:verify: walks the whole evidence chain in the configured database and reports the first
// broken link. Exit code 0 when intact, 1 when broken.
import { dbHandle } from "../server/db";
import { verifyChain } from "../server/ledger/ledger";
import { runScript } from "./lib/run";

runScript(async () => {
  const handle = dbHandle();
  try {
    const started = Date.now();
    const res = await verifyChain(handle.prisma);
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    if (res.firstBroken) {
      console.log(`Ledger BROKEN: checked ${res.checked} event(s); first broken link at seq ${res.firstBroken.seq}: ${res.firstBroken.reason}`);
      return 1;
    }
    console.log(`Ledger intact: ${res.checked} event(s) checked, head at seq ${res.headSeq} (${secs} s).`);
    return 0;
  } finally {
    await handle.close();
  }
});
