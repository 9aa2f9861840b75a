/**
 * A PGlite database served over the PostgreSQL wire protocol on a TCP port, so ordinary PostgreSQL clients
 * (node-postgres in the PostgreSQL connector, psql) can talk to it. Used for the demo's "Production
 * Database" target (server/demo-target/index.ts): approving, expiring, revoking and reconciling then work
 * in the demo with nothing installed.
 *
 * Modelled on @electric-sql/pglite-socket (which pins an older PGlite as a peer, so we cannot install it):
 * PGlite's backend speaks the protocol itself (`execProtocolRawStream`), including the start-up message; we
 * only cut the byte stream into messages, answer the SSL request with "no", drop cancel requests, give
 * PGlite a start-up message of our own (see below), and let one connection at a time run while it is
 * inside a transaction (PGlite has one session). Authentication: none (PGlite has no password check). Listen on a loopback address only: anyone who can connect is
 * superuser of the target.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/** The start-up message PGlite is given for every connection (protocol 3.0, user and database "postgres"). */
const STARTUP = (() => {
  const params = Buffer.from("user\0postgres\0database\0postgres\0\0", "latin1");
  const out = Buffer.alloc(8 + params.length);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(PROTOCOL_3, 4);
  params.copy(out, 8);
  return new Uint8Array(out);
})();

/** Runs each message alone; while a connection is inside a transaction, only its messages run. */
class Scheduler {
  private queue: { conn: number; run: () => Promise<void> }[] = [];
  private busy = false;
  private owner: number | null = null;
  constructor(private readonly db: PGlite) {}

  submit(conn: number, run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ conn, run: () => run().then(resolve, reject) });
      void this.pump();
    });
  }

  /** A connection went away: drop its queued messages and roll back a transaction it left open. */
  async release(conn: number): Promise<void> {
    this.queue = this.queue.filter((q) => q.conn !== conn);
    if (this.owner === conn) {
      this.owner = null;
      // exec takes PGlite's own lock (never inside runExclusive: that would wait on itself).
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK").catch(() => undefined);
      void this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const i = this.owner === null ? 0 : this.queue.findIndex((q) => q.conn === this.owner);
        if (i < 0 || i >= this.queue.length) break;
        const [job] = this.queue.splice(i, 1);
        await job!.run();
        this.owner = this.db.isInTransaction() ? job!.conn : null;
      }
    } finally {
      this.busy = false;
    }
  }
}

export type WireServer = { server: Server; port: number; close(): Promise<void> };

/** Serves `db` on host:port (port 0: any free port). Resolves once listening. */
export async function serveOverWire(db: PGlite, opts: { host?: string; port?: number } = {}): Promise<WireServer> {
  await db.waitReady;
  const scheduler = new Scheduler(db);
  const sockets = new Set<Socket>();
  let nextConn = 1;
  const server = createServer((socket) => {
    const conn = nextConn++;
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    const send = (data: Uint8Array) => {
      if (data.length > 0 && socket.writable) socket.write(Buffer.from(data));
    };
    const handle = async () => {
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (len < 8 || len > 10_000) return void socket.destroy();
          if (buffer.length < len) return;
          buffer = buffer.subarray(len);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            send(Buffer.from("N"));
            continue;
          }
          if (code === CANCEL_REQUEST) return void socket.end();
          if (code !== PROTOCOL_3) return void socket.destroy();
          started = true;
          // Not the client's own start-up message: PGlite's single backend fails for good on a start-up it
          // refuses (no user, an unknown role), taking every other connection with it. Every connection is the
          // target's superuser on its one database, whatever user and database the client named.
          await scheduler.submit(conn, () => db.runExclusive(() => db.execProtocolRawStream(STARTUP, { onRawData: send })));
          continue;
        }
        if (buffer.length < 5) return;
        const len = 1 + buffer.readInt32BE(1);
        if (buffer.length < len) return;
        const message = buffer.subarray(0, len);
        buffer = buffer.subarray(len);
        if (message[0] === 0x58 /* Terminate */) return void socket.end();
        await scheduler.submit(conn, () => db.runExclusive(() => db.execProtocolRawStream(new Uint8Array(message), { onRawData: send })));
      }
    };
    socket.on("data", (data) => {
      buffer = Buffer.concat([buffer, data]);
      chain = chain.then(handle).catch(() => void socket.destroy());
    });
    const gone = () => {
      sockets.delete(socket);
      void chain.finally(() => scheduler.release(conn));
    };
    socket.on("close", gone);
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
