/**
 * Resolving a connector secret reference (what the worker does before every connector call) checks the
 * namespace again: a reference saved before the rule existed, or written straight into the database, is
 * refused as permanent, and no message repeats a secret value (or the reference, which may be one).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveSecretRef, secretRefProblem } from "./secrets";
import { ConnectorError } from "./types";

const DIR = mkdtempSync(path.join(tmpdir(), "warrant-secret-resolution-"));
const OUTSIDE = mkdtempSync(path.join(tmpdir(), "warrant-outside-"));
const PORTAL_SECRET = "portal-own-nextauth-secret-0123456789-abcdef";
const environment = {
  NEXTAUTH_SECRET: PORTAL_SECRET,
  DATABASE_URL: `postgresql://warrant:${PORTAL_SECRET}@db:5432/warrant`,
  WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET: "connector-secret-value",
};
const opts = { secretsDir: DIR, environment };

writeFileSync(path.join(DIR, "payments-hook"), "file-secret-value\n");
writeFileSync(path.join(DIR, "empty"), "");
writeFileSync(path.join(DIR, "huge"), Buffer.alloc(64 * 1024 + 1, 0x61));
writeFileSync(path.join(OUTSIDE, "stolen"), PORTAL_SECRET);
symlinkSync(path.join(OUTSIDE, "stolen"), path.join(DIR, "escape-link"));
// How Kubernetes mounts a secret: name → ..data/name, ..data → a timestamped folder. Inside: allowed.
mkdirSync(path.join(DIR, "..2026_01_01"));
writeFileSync(path.join(DIR, "..2026_01_01", "k8s-token"), "k8s-secret-value");
symlinkSync("..2026_01_01", path.join(DIR, "..data"));
symlinkSync(path.join("..data", "k8s-token"), path.join(DIR, "k8s-token"));

afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  rmSync(OUTSIDE, { recursive: true, force: true });
});

function refusal(ref: string, o = opts): ConnectorError {
  try {
    resolveSecretRef(ref, "webhook connector", o);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return e as ConnectorError;
  }
  throw new Error(`${ref} was resolved`);
}

describe("resolveSecretRef", () => {
  it("reads env:WARRANT_CONNECTOR_<NAME> and file:<name> (without the file's trailing newline), and follows links that stay inside the folder", () => {
    expect(resolveSecretRef("env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET", "webhook connector", opts)).toBe("connector-secret-value");
    expect(resolveSecretRef("file:payments-hook", "webhook connector", opts)).toBe("file-secret-value");
    expect(resolveSecretRef("file:k8s-token", "webhook connector", opts)).toBe("k8s-secret-value");
  });

  it.each(["env:NEXTAUTH_SECRET", "NEXTAUTH_SECRET", "env:DATABASE_URL", "DATABASE_URL", "file:../../etc/passwd", "file:/etc/passwd"])(
    "refuses the legacy or hostile reference %s as permanent, with a message that names no value",
    (ref) => {
      const e = refusal(ref);
      expect(e.permanent).toBe(true);
      expect(e.message).toMatch(/outside the connector secrets namespace/);
      expect(e.message).not.toContain(PORTAL_SECRET);
    },
  );

  it("does not repeat a refused reference: it may be a secret pasted in by mistake", () => {
    const e = refusal("hunter2-pasted-password");
    expect(e.message).not.toContain("hunter2");
  });

  it("refuses a symlink out of the folder (even one created after the settings were saved), without reading it", () => {
    const e = refusal("file:escape-link");
    expect(e).toMatchObject({ permanent: true, message: expect.stringMatching(/resolves outside CONNECTOR_SECRETS_DIR/) });
    expect(e.message).not.toContain(PORTAL_SECRET);
  });

  it("refuses file: references when CONNECTOR_SECRETS_DIR is unset, on save and on resolution", () => {
    expect(refusal("file:payments-hook", { secretsDir: undefined as unknown as string, environment })).toMatchObject({ permanent: true, message: expect.stringMatching(/need CONNECTOR_SECRETS_DIR/) });
    expect(secretRefProblem("file:payments-hook", { secretsDir: undefined, environment })).toMatch(/CONNECTOR_SECRETS_DIR is not set/);
  });

  it("reports a missing variable or file (retried: it may be deployed later), an empty file, and a file over the cap", () => {
    expect(refusal("env:WARRANT_CONNECTOR_NOT_SET")).toMatchObject({ permanent: false, message: expect.stringMatching(/set the environment variable WARRANT_CONNECTOR_NOT_SET/) });
    expect(refusal("file:not-there")).toMatchObject({ permanent: false, message: expect.stringMatching(/is missing/) });
    expect(refusal("file:empty").message).toMatch(/is empty/);
    expect(refusal("file:huge")).toMatchObject({ permanent: true, message: expect.stringMatching(/larger than 64 KiB/) });
  });
});
