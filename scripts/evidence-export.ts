// npm run evidence:export -- --from <date> --to <date> [--system <name>]... [--campaign <id>] --out <file>
// Writes a signed evidence pack (docs/evidence-pack.md) from the configured database: the embedded one
// (stop the portal first) or PostgreSQL (DATABASE_URL, at any time). Exit 0 done, 2 bad arguments.
import { createWriteStream, renameSync, rmSync, existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { dbHandle } from "../server/db";
import { EvidenceParamsError, exportEvidencePack } from "../server/evidence/export";
import { EvidenceKeyError } from "../server/evidence/keys";
import { runScript } from "./lib/run";

const USAGE = "usage: npm run evidence:export -- --from <YYYY-MM-DD|ISO> --to <YYYY-MM-DD|ISO> [--system <name>]... [--campaign <id>] --out <file.zip>";

class UsageError extends Error {}

/** A date-only `--to` means the whole of that day (the period ends at the next midnight UTC, exclusive). */
function parseDate(flag: string, v: string | undefined, endOfDay: boolean): Date {
  if (!v) throw new UsageError(`--${flag} is required.`);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const d = new Date(dateOnly ? `${v}T00:00:00.000Z` : v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} "${v}" is not a date (use YYYY-MM-DD or an ISO 8601 time).`);
  return dateOnly && endOfDay ? new Date(d.getTime() + 86_400_000) : d;
}

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: "string" }, to: { type: "string" }, system: { type: "string", multiple: true }, campaign: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  const from = parseDate("from", values.from, false);
  const to = parseDate("to", values.to, true);
  if (from >= to) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()}).`);
  if (!values.out) throw new UsageError("--out <file.zip> is required.");
  const out = path.resolve(values.out);
  if (!existsSync(path.dirname(out))) throw new UsageError(`The folder of --out (${path.dirname(out)}) does not exist.`);
  return { from, to, systems: values.system ?? [], campaignId: values.campaign, out };
}

runScript(async () => {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const handle = dbHandle();
  const partial = `${args.out}.partial`;
  const started = Date.now();
  try {
    let last = 0;
    const res = await exportEvidencePack(handle.prisma, { from: args.from, to: args.to, systems: args.systems, campaignId: args.campaignId }, createWriteStream(partial), {
      generator: "cli",
      onProgress: (done, total) => {
        if (process.stderr.isTTY && Date.now() - last > 250) {
          last = Date.now();
          process.stderr.write(`\r  ${done}/${total} rows`);
        }
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\r");
    renameSync(partial, args.out);
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    console.log(`Evidence pack written: ${args.out}`);
    for (const f of res.fileStats) console.log(`  ${f.path.padEnd(30)} ${String(f.rows ?? "-").padStart(8)} rows ${String(f.bytes).padStart(12)} bytes  sha256 ${f.sha256.slice(0, 16)}…`);
    console.log(`${res.files} files, ${res.rows} rows, ${res.bytes} bytes (zip), ${res.ledgerEvents} ledger events up to checkpoint seq ${res.checkpointSeq}, in ${secs} s.`);
    console.log(`manifest sha256: ${res.manifestSha256}`);
    console.log(`signing key id:  ${res.keyId}`);
    return 0;
  } catch (e) {
    rmSync(partial, { force: true });
    if (e instanceof EvidenceParamsError || e instanceof EvidenceKeyError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  } finally {
    await handle.close();
  }
});
