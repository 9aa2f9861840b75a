/**
 * A real HTTP endpoint on 127.0.0.1 for webhook connector tests: verifies Warrant's signature on every call
 * and answers with whatever the test scripted.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { listSignedText, verifySignature } from "./webhook";

export type WebhookCall = { body: Record<string, unknown>; raw: string; signatureOk: boolean; headers: IncomingMessage["headers"] };
export type Responder = (call: WebhookCall) => { status: number; json: unknown } | Promise<{ status: number; json: unknown }>;

/** What the discovery endpoint holds: memberships served sorted, `pageSize` per page (the cursor is an offset). */
export type ListedMembership = { account: string; entitlement: string };

export async function startWebhookServer(secret: string, respond: Responder, opts: { pageSize?: number } = {}) {
  const calls: WebhookCall[] = [];
  const listCalls: { url: string; signatureOk: boolean }[] = [];
  let responder = respond;
  let memberships: ListedMembership[] = [];
  const pageSize = opts.pageSize ?? 2;
  const server: Server = createServer((req, res) => {
    if (req.method === "GET") {
      // The documented discovery endpoint: GET <url>?list=access&cursor=<offset>, signed over "GET <path?query>".
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const sig = req.headers["x-warrant-signature"];
      const ts = req.headers["x-warrant-timestamp"];
      const signatureOk = verifySignature(secret, listSignedText(url), typeof ts === "string" ? ts : null, typeof sig === "string" ? sig : null, new Date()).ok;
      listCalls.push({ url: url.pathname + url.search, signatureOk });
      res.setHeader("content-type", "application/json");
      if (!signatureOk) {
        res.writeHead(401).end(JSON.stringify({ error: "bad signature" }));
        return;
      }
      if (url.searchParams.get("list") !== "access") {
        res.writeHead(404).end(JSON.stringify({ error: "unknown list" }));
        return;
      }
      const key = (m: ListedMembership) => [m.account.toLowerCase(), m.entitlement] as const;
      const sorted = [...memberships].sort((x, y) => {
        const [a, b] = [key(x), key(y)];
        return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
      });
      const from = Number(url.searchParams.get("cursor") ?? "0");
      const page = sorted.slice(from, from + pageSize);
      const next = from + pageSize < sorted.length ? String(from + pageSize) : null;
      res.writeHead(200).end(JSON.stringify({ memberships: page, next }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const sig = req.headers["x-warrant-signature"];
      const ts = req.headers["x-warrant-timestamp"];
      const call: WebhookCall = {
        raw,
        body: JSON.parse(raw) as Record<string, unknown>,
        headers: req.headers,
        signatureOk: verifySignature(secret, raw, typeof ts === "string" ? ts : null, typeof sig === "string" ? sig : null, new Date()).ok,
      };
      calls.push(call);
      const out = call.signatureOk ? await responder(call) : { status: 401, json: { error: "bad signature" } };
      res.writeHead(out.status, { "content-type": "application/json" });
      res.end(JSON.stringify(out.json));
    });
  });
  // Idle connections stay open longer than fetch keeps them (about 4 s): the client always closes first. With
  // the server's 5 s default, a busy test process (the embedded database blocks the event loop for seconds)
  // runs both timers late together and a request can go out on a socket the server is closing ("fetch failed").
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/warrant`,
    calls,
    listCalls,
    /** What the target holds now, as its discovery endpoint lists it. */
    setMemberships(m: ListedMembership[]) {
      memberships = [...m];
    },
    setResponder(r: Responder) {
      responder = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
