/**
 * Sealing an issued password until its reveal: AES-256-GCM under CREDENTIAL_KEY_FILE, bound to the credential.
 * And the SCRAM verifier the connector sends instead of the password (its form and the fingerprint's).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { credentialFingerprint, generatePassword, scramVerifier } from "../../connectors/postgres-login";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-credkey-"));
const keyFile = path.join(dir, "credential.key");

describe("sealed passwords", () => {
  let sealed: typeof import("./sealed");
  beforeAll(async () => {
    writeFileSync(keyFile, randomBytes(32).toString("base64"));
    process.env.CREDENTIAL_KEY_FILE = keyFile;
    sealed = await import("./sealed");
  });

  it("opens for the same credential only, and refuses a tampered ciphertext", () => {
    const a = "6f1c2d0e-0000-4000-8000-000000000001";
    const b = "6f1c2d0e-0000-4000-8000-000000000002";
    const box = sealed.seal("s3cret-password", a);
    expect(box).not.toContain("s3cret");
    expect(sealed.unseal(box, a)).toBe("s3cret-password");
    expect(sealed.seal("s3cret-password", a)).not.toBe(box); // a fresh IV each time
    expect(() => sealed.unseal(box, b)).toThrow();
    const raw = Buffer.from(box, "base64");
    raw[raw.length - 1] ^= 1;
    expect(() => sealed.unseal(raw.toString("base64"), a)).toThrow();
  });
});

describe("the SCRAM verifier and fingerprint", () => {
  it("has PostgreSQL's form, a fresh salt each time, and a fingerprint that differs with it", () => {
    const pw = generatePassword();
    expect(pw).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const v1 = scramVerifier(pw);
    const v2 = scramVerifier(pw);
    expect(v1).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(v1).not.toBe(v2);
    expect(credentialFingerprint(v1)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(credentialFingerprint(v1)).not.toBe(credentialFingerprint(v2));
    // RFC 7677's test vector: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
    expect(scramVerifier("pencil", salt)).toBe("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  });
});
