// Where `npm start` listens and who a request comes from: plain JavaScript, because scripts/serve.mjs runs
// under plain `node` (no TypeScript loader in front of the production server). Types: listen.d.mts.
// scripts/listen.test.ts holds demoLoginOn() to server/env.ts's rule.
import { processesRefusal } from "./processes.mjs";

export const CLIENT_ADDRESS_HEADER = "x-warrant-client-address";

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

/** A boolean variable as server/env.ts reads it: undefined when unset or empty. */
function flag(value) {
  if (value === undefined || value === "") return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined; // server/env.ts refuses it at start with a message; nothing to decide here
}

/** Demo sign-in is on: DEMO_LOGIN=true, or unset with the embedded database (DATABASE_URL unset). */
export function demoLoginOn(env) {
  const embedded = !env.DATABASE_URL;
  return flag(env.DEMO_LOGIN) ?? embedded;
}

/** The host to listen on: HOST, or 127.0.0.1 (this machine only) when the operator did not choose one. */
export function listenHost(env) {
  const h = (env.HOST ?? "").trim();
  return h === "" ? "127.0.0.1" : h;
}

export function listenPort(env) {
  const p = Number((env.PORT ?? "").trim() || "3000");
  return Number.isInteger(p) && p >= 1 && p <= 65535 ? p : null;
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host) {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/**
 * Why the portal must not start, or null. Demo sign-in is password-less (pick an account, admins included):
 * served beyond this machine, anyone on the network could sign in as an administrator.
 */
export function startupRefusal(env) {
  if (listenPort(env) === null) return `PORT=${env.PORT} is not a port number (1-65535).`;
  const processes = processesRefusal(env);
  if (processes) return processes;
  const host = listenHost(env);
  if (demoLoginOn(env) && !isLoopbackHost(host)) {
    return [
      `demo sign-in is on${env.DEMO_LOGIN ? " (DEMO_LOGIN=" + env.DEMO_LOGIN + ")" : " (the embedded demo database turns it on)"} and HOST=${host} would serve it beyond this machine.`,
      "Demo sign-in has no password: anyone who can reach the portal could sign in as any demo account, the administrator included.",
      "Either leave HOST unset (the portal listens on 127.0.0.1, this machine only),",
      "or turn demo sign-in off (DEMO_LOGIN=false) and sign people in with OpenID Connect (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET).",
    ].join("\n  ");
  }
  return null;
}

/** The last entry of X-Forwarded-For: the address the operator's own proxy appended (the rest the client wrote). */
export function lastForwardedFor(value) {
  const v = Array.isArray(value) ? value.join(",") : value;
  if (!v) return null;
  const parts = v.split(",").map((p) => p.trim()).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : null;
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) as "10.0.0.1". */
export function normaliseAddress(a) {
  return a.replace(/^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i, "$1");
}

/** The client of a request: the socket's peer, or behind a trusted proxy the last X-Forwarded-For entry. */
export function clientAddressOf(headers, socketAddress, trustProxy) {
  if (trustProxy) {
    const fwd = lastForwardedFor(headers["x-forwarded-for"]);
    if (fwd) return normaliseAddress(fwd);
  }
  return socketAddress ? normaliseAddress(socketAddress) : "unknown";
}

export function trustProxyOn(env) {
  return flag(env.TRUST_PROXY) === true;
}
