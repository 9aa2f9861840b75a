/**
 * Prisma's query interpreter loads the relations of one query side by side (a request with its steps, its
 * beneficiary and its entitlement: three SELECTs at once). Outside a transaction each goes to its own pooled
 * connection; inside an interactive transaction they all go to the transaction's one connection, where
 * node-postgres 8 queues them with a deprecation warning and node-postgres 9 will refuse them.
 *
 * This wraps the PostgreSQL adapter so every statement of one transaction runs after the previous one has
 * finished: the order is the order Prisma issued them in, the results are the same, and nothing depends on
 * the driver's queue. One place, for every transaction of every service. (PGlite runs one statement at a
 * time by itself and is not wrapped.)
 */
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, Transaction } from "@prisma/driver-adapter-utils";

/** A transaction whose statements run one after the other, in the order they were issued. */
function serialTransaction(tx: Transaction): Transaction {
  let tail: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const serialised = new Set<PropertyKey>(["queryRaw", "executeRaw", "commit", "rollback"]);
  return new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      return serialised.has(prop) ? (...args: unknown[]) => inTurn(() => bound(...args) as Promise<unknown>) : bound;
    },
  });
}

function serialAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== "startTransaction") return bound;
      return async (...args: unknown[]) => serialTransaction((await bound(...args)) as Transaction);
    },
  });
}

/** The factory Prisma is given: the same adapter, with serialised transactions. */
export function withSerialTransactions<F extends SqlMigrationAwareDriverAdapterFactory>(factory: F): F {
  return new Proxy(factory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== "connect" && prop !== "connectToShadowDb") return bound;
      return async (...args: unknown[]) => serialAdapter((await bound(...args)) as SqlDriverAdapter);
    },
  });
}
