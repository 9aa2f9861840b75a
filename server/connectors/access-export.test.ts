import { describe, expect, it } from "vitest";
import { parseAccessExport } from "./access-export";

describe("parseAccessExport (a manual system's access export)", () => {
  it("reads quoted cells, CRLF, a byte-order mark and upper-case emails; sorts by account then entitlement", () => {
    const text = '\uFEFFaccount,entitlement\r\nZoe@Example.test,"role, with comma"\r\n"ann@example.test",read\r\n\r\nann@example.test,"say ""hi"""\r\n';
    const r = parseAccessExport(text);
    expect(r).toEqual({
      ok: true,
      rows: [
        { account: "ann@example.test", externalRef: "read", line: 3 },
        { account: "ann@example.test", externalRef: 'say "hi"', line: 5 },
        { account: "zoe@example.test", externalRef: "role, with comma", line: 2 },
      ],
    });
  });

  it("refuses a wrong header, bad rows (with their line numbers) and entitlements the catalog does not manage", () => {
    expect(parseAccessExport("email,role\na@x.test,read\n")).toEqual({ ok: false, errors: [{ line: 1, reason: 'The first line must be the header "account,entitlement".' }] });
    expect(parseAccessExport("")).toMatchObject({ ok: false, errors: [{ line: 1 }] });
    const r = parseAccessExport('account,entitlement\na@x.test,read\nnope,read\nb@x.test,\nc@x.test,read,extra\n"d@x.test\nmore,read\n', new Set(["read"]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    const unknown = parseAccessExport("account,entitlement\na@x.test,write\n", new Set(["read"]));
    expect(unknown).toEqual({ ok: false, errors: [{ line: 2, reason: '"write" is not an entitlement of this system in the catalog.' }] });
  });
});
