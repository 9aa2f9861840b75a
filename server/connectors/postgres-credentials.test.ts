/**
 * The PostgreSQL connector never hands a password to a target that asks for it: nothing of the portal's own
 * (node-postgres would otherwise fall back to PGPASSWORD or ~/.pgpass, and PGSSLMODE, from the portal's
 * environment), and not even its own secret unless through SCRAM, which proves the password without sending
 * it. A stand-in server on 127.0.0.1 plays the hostile target: it asks for the password in clear text (or as
 * MD5) and records what it gets. (SCRAM against a real server: postgres-scram.int.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { postgresConnector } from "./postgres";
import { ConnectorError, type ConnectorCtx } from "./types";

const PORTAL_PASSWORD = "portal-own-database-password-0123456789";
const CONNECTOR_PASSWORD = "connector-password-from-the-namespace";
const saved = { PGPASSWORD: process.env.PGPASSWORD, PGSSLMODE: process.env.PGSSLMODE };
process.env.PGPASSWORD = PORTAL_PASSWORD;
process.env.PGSSLMODE = "require";
process.env.WARRANT_CONNECTOR_TEST_PG_PASSWORD = CONNECTOR_PASSWORD;
process.env.DATABASE_URL_FOR_TEST_ONLY = PORTAL_PASSWORD;

type Seen = { connections: number; sslRequests: number; passwords: string[] };
const seen: Seen = { connections: 0, sslRequests: 0, passwords: [] };
let server: Server;
let port = 0;
let authMethod: 3 | 5 = 3;

/** Speaks just enough of the protocol: refuses TLS, asks for a clear-text password, records it, hangs up. */
function hostileTarget(socket: Socket) {
  seen.connections++;
  let buf = Buffer.alloc(0);
  let started = false;
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code === 80877103) {
          seen.sslRequests++;
          socket.write("N");
          continue;
        }
        started = true;
        // AuthenticationCleartextPassword (3), or AuthenticationMD5Password (5) with a salt.
        const ask = Buffer.alloc(authMethod === 5 ? 13 : 9);
        ask.write("R", 0);
        ask.writeInt32BE(ask.length - 1, 1);
        ask.writeInt32BE(authMethod, 5);
        if (authMethod === 5) ask.write("salt", 9);
        socket.write(ask);
        continue;
      }
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) return;
      if (buf[0] === 0x70) seen.passwords.push(buf.subarray(5, len).toString("utf8").replace(/\0$/, ""));
      socket.destroy();
      return;
    }
  });
  socket.on("error", () => undefined);
}

beforeAll(async () => {
  server = createServer(hostileTarget);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  delete process.env.WARRANT_CONNECTOR_TEST_PG_PASSWORD;
  delete process.env.DATABASE_URL_FOR_TEST_ONLY;
});
beforeEach(() => {
  Object.assign(seen, { connections: 0, sslRequests: 0, passwords: [] });
  authMethod = 3;
});

const ctx = (settings: Record<string, unknown>): ConnectorCtx => ({
  system: { id: randomUUID(), name: "Hostile target", connectorConfig: { database: "target", host: "127.0.0.1", port, user: "warrant_connector", ...settings } },
  entitlement: { name: "Read", externalRef: "app_read" },
  identity: { id: randomUUID(), displayName: "Priya Nair", email: "priya@example.test", kind: "HUMAN" },
  taskId: randomUUID(),
});

describe("postgres connector credentials", () => {
  it("never sends the portal's PGPASSWORD: without a secretRef, a target asking for a password is refused", async () => {
    const err = await postgresConnector.grant(ctx({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/asks for a password, but the connector has no secretRef/);
    expect(seen.connections).toBe(1);
    expect(seen.passwords).toEqual([]);
    // PGSSLMODE=require in the portal's environment does not change the connector's TLS mode either.
    expect(seen.sslRequests).toBe(0);
  });

  it.each([
    ["in clear text", 3, /asked for the password as clear text; Warrant sends connector passwords only through SCRAM-SHA-256/],
    ["as an MD5 hash (crackable offline)", 5, /asked for the password as an MD5 hash/],
  ] as const)("does not send even its own password to a server that asks for it %s", async (_label, method, says) => {
    authMethod = method;
    const err = await postgresConnector.grant(ctx({ secretRef: "env:WARRANT_CONNECTOR_TEST_PG_PASSWORD" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(says);
    expect(seen.connections).toBe(1);
    expect(seen.passwords).toEqual([]);
  });

  it("does not even connect when the secretRef (a legacy row) names something outside the namespace", async () => {
    for (const secretRef of ["env:DATABASE_URL_FOR_TEST_ONLY", "PGPASSWORD", "env:PGPASSWORD"]) {
      const err = await postgresConnector.grant(ctx({ secretRef })).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "ConnectorError", permanent: true, message: expect.stringMatching(/outside the connector secrets namespace/) });
      expect((err as Error).message).not.toContain(PORTAL_PASSWORD);
    }
    expect(seen.connections).toBe(0);
  });

  it("asks the target for TLS (and gives up when it has none) with sslmode require, before any password", async () => {
    const err = await postgresConnector.grant(ctx({ sslmode: "require", secretRef: "env:WARRANT_CONNECTOR_TEST_PG_PASSWORD" })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/does not support SSL.*sslmode require needs TLS on the server/);
    expect(seen.sslRequests).toBe(1);
    expect(seen.passwords).toEqual([]);
  });
});
