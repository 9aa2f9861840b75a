/**
 * The verifier's line and CSV record readers: exact on the awkward cases (quoted newlines, doubled quotes,
 * CRLF, a character split across chunks), bounded by the per-line limit, and linear in a line's length: one
 * long line costs about what the same bytes in many short lines cost (measured as a ratio of two runs on
 * the same machine, never against a fixed time).
 */
import { describe, expect, it, vi } from "vitest";
import { csvLine } from "../csv";
import { LineTooLongError, csvRecords, lines } from "./format";

async function collect<T>(g: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}
/** `data` as a stream of chunks of `size` bytes. */
async function* chunked(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe("csvRecords", () => {
  it("reads what the CSV rule writes, whatever the chunk size: quotes, commas, newlines and CR inside cells, CRLF ends, multi-byte characters split across chunks", async () => {
    const rows = [
      ["id", "name", "note"],
      ["1", 'say "hi", then\nleave', "ünïcødé ✓ 🎉"],
      ["2", "", "=SUM(A1)"],
      ["3", "a\r\nb", "-5"],
    ];
    const text = Buffer.from(rows.map((r) => csvLine(r, "\n")).join("") + csvLine(["4", "x", "y"], "\r\n"));
    const expected = [...rows.map((r) => r.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c))), ["4", "x", "y"]];
    for (const size of [1, 2, 3, 7, 64, 1 << 16]) expect(await collect(csvRecords(chunked(text, size))), `chunks of ${size}`).toEqual(expected);
    // A last record without its line end still counts; an empty stream has none.
    expect(await collect(csvRecords(chunked(Buffer.from("a,b\nc,d"), 3)))).toEqual([["a", "b"], ["c", "d"]]);
    expect(await collect(csvRecords(chunked(Buffer.alloc(0), 3)))).toEqual([]);
  });

  it("a record longer than the limit throws LineTooLongError naming the record, without buffering it", async () => {
    const data = Buffer.from(`a,b\n"${"x".repeat(5000)}"\n`);
    await expect(collect(csvRecords(chunked(data, 100), 1000))).rejects.toEqual(new LineTooLongError(2, 1000));
  });
});

describe("lines", () => {
  it("splits on LF only, keeps CR and multi-byte characters, and the last line without LF still counts", async () => {
    const data = Buffer.from('{"a":"ü"}\r\n\n{"b":"🎉"}');
    for (const size of [1, 2, 5, 1 << 16]) expect(await collect(lines(chunked(data, size)))).toEqual(['{"a":"ü"}\r', "", '{"b":"🎉"}']);
  });

  it("a line longer than the limit throws LineTooLongError with its number", async () => {
    const data = Buffer.from(`short\n${"x".repeat(5000)}\n`);
    await expect(collect(lines(chunked(data, 100), 1000))).rejects.toEqual(new LineTooLongError(2, 1000));
  });
});

describe("a long line costs work linear in its length", () => {
  // Counted, not timed (a busy machine makes timings lie): the bytes the reader copies to assemble a line.
  // A reader that re-joins what it holds on every chunk copies about n²/2·chunk bytes (for 16 MiB in 4 KiB
  // chunks: ~32 GiB); a linear one copies each byte once.
  const MiB = 1024 * 1024;
  const oneLine = (bytes: number) => {
    const b = Buffer.alloc(bytes, 0x61);
    b[b.length - 1] = 10;
    return b;
  };

  it.each([
    ["lines", (d: AsyncIterable<Buffer>) => lines(d, 32 * MiB)],
    ["csvRecords", (d: AsyncIterable<Buffer>) => csvRecords(d, 32 * MiB)],
  ] as const)("%s: a 16 MiB line read in 4 KiB chunks is copied once, not once per chunk", async (_name, read) => {
    const data = oneLine(16 * MiB);
    const concat = Buffer.concat.bind(Buffer);
    let copied = 0;
    const spy = vi.spyOn(Buffer, "concat").mockImplementation((list: readonly Uint8Array[], total?: number) => {
      copied += total ?? list.reduce((n, b) => n + b.length, 0);
      // A quadratic reader would copy gigabytes: stop it at once rather than wait for it.
      if (copied > 2 * data.length) throw new Error(`copied ${copied} bytes to read a ${data.length}-byte line`);
      return concat(list, total);
    });
    try {
      let records = 0;
      for await (const _ of read(chunked(data, 4096))) records++;
      expect(records).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThanOrEqual(data.length);
  });
});
