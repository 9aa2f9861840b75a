// npm run evidence:verify -- <pack.zip> [--public-key <file.pem>]...
// Checks an evidence pack offline: no database, no portal. Prints each check with its counts and every
// failure, then the verdict. Exit 0 valid and signed with a pinned key (--public-key), 1 invalid, 2 bad
// arguments, 3 integrity verified but authenticity NOT established (no --public-key: the pack only agrees
// with the key inside it, which anyone could have made).
// --public-key may be repeated, and a file may hold several PEM public keys (the portal's key history at
// /api/evidence/public-key?all=1): after a key rotation, a pack's anchor checkpoint may be signed by an earlier key.
// --witness <file or folder> (repeatable): what a checkpoint witness holds (WITNESS_FILE's JSON Lines file, or
// WITNESS_DIR's folder); every witnessed checkpoint the pack's ledger covers must have the same hash at its seq.
// A witness that cannot be read or is malformed exits 2 with a message saying where.
import { readFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { EXIT_CODES, formatReport, verifyPack } from "../server/evidence/verify";
import { readWitnessSource, WitnessSourceError, type WitnessedCheckpoint } from "../server/evidence/witness-check";

const USAGE = "usage: npm run evidence:verify -- <pack.zip> [--public-key <public-key.pem>]... [--witness <checkpoints.jsonl or folder>]...";

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: { "public-key": { type: "string", multiple: true }, witness: { type: "string", multiple: true }, help: { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`Give exactly one pack to verify.\n${USAGE}`);
    return 2;
  }
  const zip = parsed.positionals[0]!;
  if (!existsSync(zip)) {
    console.error(`${zip}: no such file.`);
    return 2;
  }
  const publicKeyPems: string[] = [];
  for (const keyFile of parsed.values["public-key"] ?? []) {
    let text: string;
    try {
      text = readFileSync(keyFile, "utf8");
    } catch (e) {
      console.error(`Cannot read the public key ${keyFile}: ${(e as Error).message}`);
      return 2;
    }
    const blocks = text.match(PEM_BLOCK);
    if (!blocks) {
      console.error(`${keyFile} holds no PEM public key ("-----BEGIN PUBLIC KEY-----").`);
      return 2;
    }
    publicKeyPems.push(...blocks.map((b) => `${b}\n`));
  }
  let witnesses: WitnessedCheckpoint[] | undefined;
  for (const source of parsed.values.witness ?? []) {
    try {
      witnesses = [...(witnesses ?? []), ...(await readWitnessSource(source))];
    } catch (e) {
      if (!(e instanceof WitnessSourceError)) throw e;
      console.error(`FAIL witness: ${e.message}`);
      return 2;
    }
  }
  const started = Date.now();
  const res = await verifyPack(zip, { publicKeyPems: publicKeyPems.length ? publicKeyPems : undefined, witnesses });
  console.log(formatReport(res));
  console.log(`(${((Date.now() - started) / 1000).toFixed(2)} s)`);
  return EXIT_CODES[res.verdict];
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
