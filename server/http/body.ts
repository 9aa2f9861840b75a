/** Reading a request body without ever holding more than a cap of it (chunked bodies have no Content-Length). */

export type CappedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false };

/** The declared Content-Length is over the cap (a missing or unreadable header is not). */
export function declaredOver(req: Request, cap: number): boolean {
  const n = Number(req.headers.get("content-length") ?? "0");
  return Number.isFinite(n) && n > cap;
}

/**
 * The whole body, or `{ ok: false }` as soon as more than `cap` bytes have arrived (the rest is not read: the
 * stream is cancelled). An absent body is an empty one.
 */
export async function readBodyCapped(req: Request, cap: number): Promise<CappedBody> {
  if (declaredOver(req, cap)) return { ok: false };
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      return { ok: false };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}
