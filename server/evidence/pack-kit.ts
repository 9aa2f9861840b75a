/**
 * Test helpers for evidence packs: a throwaway signing key, export to a temp file, and rewriting a pack's
 * entries (to tamper with it the way an attacker would).
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { createWriteStream, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import yauzl from "yauzl";
import { ZipFile } from "yazl";
import type { PrismaClient } from "../db";
import { exportEvidencePack, type ExportOptions, type ExportParams } from "./export";
import { keyIdOf as keyIdLocal } from "./format";

export const packDir = () => mkdtempSync(path.join(tmpdir(), "warrant-evidence-"));

/** Writes a fresh Ed25519 key and points EVIDENCE_KEY_FILE at it (call before anything reads the env). */
export function useTempKey(dir: string): { file: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const file = path.join(dir, "evidence-key.pem");
  writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  process.env.EVIDENCE_KEY_FILE = file;
  return { file, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export async function exportTo(db: PrismaClient, file: string, params: ExportParams, opts: ExportOptions = {}) {
  const out = createWriteStream(file);
  return exportEvidencePack(db, params, out, opts);
}

/** Every entry of a zip, in order. */
export function readZip(file: string): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: { name: string; data: Buffer }[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        zip.openReadStream(e, (er, s) => {
          if (er || !s) return reject(er);
          const parts: Buffer[] = [];
          s.on("data", (c: Buffer) => parts.push(c));
          s.on("end", () => {
            out.push({ name: e.fileName, data: Buffer.concat(parts) });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

export function writeZip(file: string, entries: { name: string; data: Buffer }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const out = createWriteStream(file);
    zip.outputStream.pipe(out).on("close", resolve).on("error", reject);
    for (const e of entries) zip.addBuffer(e.data, e.name);
    zip.end();
  });
}

/** Copies `src` to `dst` with `edit` applied to the entries (change, drop, add, reorder). */
export async function tamper(src: string, dst: string, edit: (entries: { name: string; data: Buffer }[]) => { name: string; data: Buffer }[] | void) {
  const entries = await readZip(src);
  const edited = edit(entries) ?? entries;
  await writeZip(dst, edited);
}

export function entry(entries: { name: string; data: Buffer }[], name: string) {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`${name} not in pack`);
  return e;
}

/** Re-signs manifest.json with another key (as an attacker with their own key would). */
export function resign(entries: { name: string; data: Buffer }[], withPublicKeyInManifest: boolean) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const m = entry(entries, "manifest.json");
  if (withPublicKeyInManifest) {
    const manifest = JSON.parse(m.data.toString("utf8"));
    manifest.publicKey = publicKey.export({ type: "spki", format: "pem" }).toString();
    manifest.keyId = keyIdLocal(publicKey);
    m.data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  }
  entry(entries, "manifest.sig").data = Buffer.from(`${sign(null, m.data, privateKey).toString("base64")}\n`);
}
