/** Test helpers for the CSV the project writes (portal downloads with CRLF, the evidence pack's grants.csv with LF). */

/** A minimal RFC 4180 parser (quoted fields, doubled quotes; CRLF or LF record ends) to read a CSV back. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") endCell();
    else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      endCell();
      rows.push(row);
      row = [];
      if (ch === "\r") i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

/** The whole stream as text, keeping the BOM (Response.text() would drop it). */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
}
