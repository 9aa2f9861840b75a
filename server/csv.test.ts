import { describe, expect, it } from "vitest";
import { csvCell, csvCellValue, csvLine, csvText, neutralise } from "./csv";
import { parseCsv } from "./testing/csv";

describe("the one CSV rule (server/csv.ts, docs/evidence-pack.md)", () => {
  it("quotes commas, quotes and line breaks (RFC 4180) and leaves plain text alone", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a, b")).toBe('"a, b"');
    expect(csvCell('he said "no"')).toBe('"he said ""no"""');
    expect(csvCell("line1\nline2")).toBe('"line1\nline2"');
    expect(csvCell("line1\r\nline2")).toBe('"line1\r\nline2"');
    expect(csvCell("a=b")).toBe("a=b");
  });

  it("neutralises every cell whose text starts with = + - @ TAB or CR with a leading quote, numbers included", () => {
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+41 79")).toBe("'+41 79");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=cmd")).toBe("'\t=cmd");
    expect(csvCell("\rcmd")).toBe("\"'\rcmd\"");
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell(-5)).toBe("'-5");
    expect(csvCell(-0.5)).toBe("'-0.5");
    expect(csvCell(-5n)).toBe("'-5");
    // Only the first character counts; a quote already there is not doubled.
    expect(csvCell(" =1")).toBe(" =1");
    expect(csvCell("'=1")).toBe("'=1");
    expect(neutralise("#x")).toBe("#x");
  });

  it("writes null, undefined and the empty string as an empty cell; booleans true/false; numbers as JSON digits; dates as ISO; objects as JSON", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell("")).toBe("");
    expect(csvCell(true)).toBe("true");
    expect(csvCell(false)).toBe("false");
    expect(csvCell(0)).toBe("0");
    expect(csvCell(3)).toBe("3");
    expect(csvCell(0.25)).toBe("0.25");
    expect(csvCell(1e21)).toBe("1e+21");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(12345678901234567890n)).toBe("12345678901234567890");
    expect(csvCell(new Date("2030-01-02T03:04:05.000Z"))).toBe("2030-01-02T03:04:05.000Z");
    expect(csvText({ kind: "MANAGER_OF", n: 2n })).toBe('{"kind":"MANAGER_OF","n":"2"}');
    expect(csvCell({ a: 1, b: "x" })).toBe('"{""a"":1,""b"":""x""}"');
    expect(csvCell(["-1"])).toBe('"[""-1""]"');
  });

  it("a reader gets back csvCellValue(v) for every cell; records end with CRLF (portal) or LF (evidence pack)", () => {
    const values: unknown[] = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", 'a "q"', "l1\nl2", -5, true, null, ""];
    for (const eol of ["\r\n", "\n"] as const) {
      const text = csvLine(values, eol) + csvLine(["next"], eol);
      expect(text.endsWith(`next${eol}`)).toBe(true);
      expect(parseCsv(text)).toEqual([values.map(csvCellValue), ["next"]]);
    }
  });
});
