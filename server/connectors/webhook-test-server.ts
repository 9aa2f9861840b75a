/**
 * A real HTTP endpoint on 127.0.0.1 for webhook connector tests: verifies Warrant's signature on every call
 * and answers with whatever the test scripted.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "./webhook";

export type WebhookCall = { body: Record<string, unknown>; raw: string; signatureOk: boolean; headers: IncomingMessage["headers"] };
export type Responder = (call: WebhookCall) => { status: number; json: unknown } | Promise<{ status: number; json: unknown }>;

export async function startWebhookServer(secret: string, respond: Responder) {
  const calls: WebhookCall[] = [];
  let responder = respond;
  const server: Server = createServer((req, res) => {
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
    setResponder(r: Responder) {
      responder = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
