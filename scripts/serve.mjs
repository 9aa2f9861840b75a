#!/usr/bin/env node
// `npm start` (and `npm run dev` with --dev): serves the portal.
//
// - Listens on 127.0.0.1 unless HOST says otherwise, and refuses to start when demo sign-in (password-less)
//   would be served beyond this machine (scripts/lib/listen.mjs startupRefusal).
// - Production: a Next.js custom server, for one reason: route handlers get no socket, so this server writes
//   the client's address into the `x-warrant-client-address` request header (after deleting any a client
//   sent) for the per-address rate limits: the socket's peer, or with TRUST_PROXY=true the last
//   X-Forwarded-For entry. Everything else is Next's own request handler, unchanged.
// - --dev: runs `next dev` on the same host and port (per-address limits then count every request as
//   "unknown": fine on a developer's machine).
// - --check: only the start-up check (prestart runs it before the build, so a refusal comes at once).
// - WEB_CONCURRENCY=N (or "auto", one per core; PostgreSQL only): N portal processes behind the one port, kept
//   running by this script's first process (scripts/lib/processes.mjs). Unset: one process, as before.
import cluster from "node:cluster";
import { createServer } from "node:http";
import v8 from "node:v8";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLIENT_ADDRESS_HEADER, clientAddressOf, listenHost, listenPort, startupRefusal, trustProxyOn } from "./lib/listen.mjs";
import { portalProcesses, superviseProcesses } from "./lib/processes.mjs";

// V8 11 (Node 20.20) crashed the whole portal under load ("Fatal error in , line 0 — unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) in 3 of 3 runs of 50 concurrent submits (bench/http.ts), each of
// which evaluates Cedar policies in WebAssembly; with V8's inlining of JS→Wasm calls off, the same load ran
// without a crash twice (docs/performance.md). Set before anything is compiled; the cost is one call frame per
// policy evaluation.
v8.setFlagsFromString("--no-turbo-inline-js-wasm-calls");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
const checkOnly = process.argv.includes("--check");

const refusal = startupRefusal(process.env);
if (refusal) {
  console.error(`Warrant will not start: ${refusal}`);
  process.exit(1);
}
if (checkOnly) process.exit(0);
const host = listenHost(process.env);
const port = listenPort(process.env);
const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
const sayListening = () => console.log(`Warrant is listening on http://${shown}:${port}${host === "127.0.0.1" ? " (this machine only; set HOST to serve others)" : ""}`);

if (dev) {
  const child = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "dev", "-H", host, "-p", String(port)], { cwd: root, stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (cluster.isPrimary && portalProcesses(process.env) > 1) {
  superviseProcesses({
    count: portalProcesses(process.env),
    onListening: sayListening,
  });
} else {
  process.env.NODE_ENV ??= "production";
  // Tells server/http/client-address.ts that x-warrant-client-address comes from us (see below), not a client.
  process.env.WARRANT_CLIENT_ADDRESS_STAMPED = "1";
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: root, hostname: host, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const trustProxy = trustProxyOn(process.env);
  const server = createServer((req, res) => {
    delete req.headers[CLIENT_ADDRESS_HEADER];
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req.headers, req.socket.remoteAddress, trustProxy);
    handle(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  server.on("error", (err) => {
    console.error(`Warrant could not listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    if (!cluster.isWorker) sayListening(); // with several processes, the first says it once all of them listen
  });
  const stop = () => {
    server.close(() => process.exit(0));
    // Idle keep-alive connections would hold close() open; do not wait for them long.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
