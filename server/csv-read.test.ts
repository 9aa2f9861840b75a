import { describe, expect, it } from "vitest";
import { CsvReader, csvLine, readCsvRecords, unneutralise, type CsvRecord } from "./csv";

function readAll(text: string, chunk = text.length || 1): CsvRecord[] {
  const r = new CsvReader();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...r.push(text.slice(i, i + chunk)));
  out.push(...r.end());
  return out;
}

describe("reading CSV (server/csv.ts CsvReader)", () => {
  const text = '\ufeffemail,name\r\na@x.test,"Doe, Jane"\r\n\r\nb@x.test,"say ""hi""\nthere"\nc@x.test,plain';

  it("reads quoted commas, doubled quotes and line breaks, with the line each record starts on, at any chunking", () => {
    const expected = [
      { line: 1, cells: ["email", "name"] },
      { line: 2, cells: ["a@x.test", "Doe, Jane"] },
      { line: 4, cells: ["b@x.test", 'say "hi"\nthere'] },
      { line: 6, cells: ["c@x.test", "plain"] },
    ];
    for (const chunk of [1, 2, 3, 7, 1000]) expect(readAll(text, chunk)).toEqual(expected);
  });

  it("reads back what csvLine writes, formula guard included", () => {
    const cells = ["=SUM(A1)", 'a "b", c', "line\r\nbreak", "-5", "plain"];
    const [rec] = readAll(csvLine(cells));
    expect(rec!.cells.map(unneutralise)).toEqual(cells);
  });

  it("marks broken records instead of guessing: stray quote, text after a closing quote, an unterminated quote", () => {
    expect(readAll('a,b"c\nok,1')).toEqual([
      { line: 1, cells: ["a", 'b"c'], error: "a quote inside a cell that is not quoted" },
      { line: 2, cells: ["ok", "1"] },
    ]);
    expect(readAll('"a"b,c')[0]!.error).toBe("text after a closing quote");
    expect(readAll('x\n"never ends,\nmore')[1]).toMatchObject({ line: 2, error: "a quoted cell that never ends" });
  });

  it("refuses records past the limits", () => {
    const r = new CsvReader({ maxCells: 2, maxCellChars: 3 });
    expect([...r.push("a,b,c\nabcd\nab\n"), ...r.end()]).toEqual([
      { line: 1, cells: ["a", "b"], error: "more than 2 cells" },
      { line: 2, cells: ["abc"], error: "a cell longer than 3 characters" },
      { line: 3, cells: ["ab"] },
    ]);
  });

  it("streams bytes, a multi-byte character split across chunks included", async () => {
    const bytes = new TextEncoder().encode("name\nZoë Müller\n");
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    const out: CsvRecord[] = [];
    for await (const r of readCsvRecords(chunks())) out.push(r);
    expect(out).toEqual([
      { line: 1, cells: ["name"] },
      { line: 2, cells: ["Zoë Müller"] },
    ]);
  });
});
