// npm run evidence:public-key [-- --all]
// Prints the public half of the evidence signing key (PEM, SPKI) with its key id, read the same way exports
// read it (EVIDENCE_KEY_FILE, or the default .data/keys/evidence-ed25519.pem; server/evidence/keys.ts), so
// someone with only the command line can pin it: `npm run -s evidence:public-key > warrant-evidence.pub.pem`
// then `npm run evidence:verify -- pack.zip --public-key warrant-evidence.pub.pem`. Lines outside the PEM
// block start with "#", and the verifier ignores them.
// --all: every key registered in the database (the current one and any used before a rotation), oldest
// first, for packs whose anchor checkpoint was signed before a rotation. Needs the database (the embedded
// one only while the portal is stopped). Exit 0 printed, 2 no key / bad arguments / database in use.
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { dbHandle } from "../server/db";
import { env } from "../server/env";
import { DEFAULT_KEY_FILE, EvidenceKeyError, loadSigningKey, registeredKeys } from "../server/evidence/keys";
import { keyIdOf } from "../server/evidence/format";
import { runScript } from "./lib/run";

const USAGE = "usage: npm run -s evidence:public-key [-- --all]";

runScript(async () => {
  let values;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { all: { type: "boolean" }, help: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // Printing a key must never create one: without EVIDENCE_KEY_FILE the default file must already exist.
  if (!env().EVIDENCE_KEY_FILE && !existsSync(path.resolve(DEFAULT_KEY_FILE))) {
    console.error(`No evidence signing key yet (${DEFAULT_KEY_FILE} does not exist): it is generated at the first start (npm start or npm run worker), or set EVIDENCE_KEY_FILE.`);
    return 2;
  }
  let current;
  try {
    current = await loadSigningKey();
  } catch (e) {
    if (e instanceof EvidenceKeyError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  if (!values.all) {
    console.log(`# Warrant evidence signing key (Ed25519), key id ${current.keyId}`);
    process.stdout.write(current.publicKeyPem);
    return 0;
  }
  const handle = dbHandle();
  try {
    const keys = await registeredKeys(handle.prisma);
    if (!keys.some((k) => k.keyId === current.keyId)) keys.push({ keyId: current.keyId, algorithm: "Ed25519", publicKeyPem: current.publicKeyPem, registeredAt: new Date(NaN) });
    console.log(`# Warrant evidence signing keys (Ed25519): ${keys.length}, oldest first; the current one is ${current.keyId}`);
    for (const k of keys) {
      // The id is recomputed from the key, never copied from the registry.
      const id = keyIdOf(k.publicKeyPem);
      const when = Number.isNaN(k.registeredAt.getTime()) ? "not registered yet" : `registered ${k.registeredAt.toISOString()}`;
      console.log(`# key id ${id} (${when})${id === current.keyId ? " (current)" : ""}`);
      process.stdout.write(k.publicKeyPem);
    }
    return 0;
  } finally {
    await handle.close();
  }
});
