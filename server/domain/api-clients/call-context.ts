/**
 * The API call being served, if any (AsyncLocalStorage). The REST edge (/api/v1) runs every call inside
 * `runInApiCall`, so code deep below it (the ledger, the requests service) can record the whole chain:
 * which client acted, with which token, owned by whom — without every service signature carrying it.
 * Outside an API call `currentApiCall()` is null.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ApiScope } from "./scopes";

export type ApiCall = {
  /** The API client: a non-human identity. */
  clientId: string;
  clientKind: string;
  /** Its accountable owner (a human). */
  ownerId: string;
  tokenId: string;
  tokenPrefix: string;
  /** The scopes the client held when the call started (its ACTIVE grants on the Warrant API system). */
  scopes: ReadonlySet<ApiScope>;
};

const storage = new AsyncLocalStorage<ApiCall>();

export function runInApiCall<T>(call: ApiCall, fn: () => Promise<T>): Promise<T> {
  return storage.run(call, fn);
}

export function currentApiCall(): ApiCall | null {
  return storage.getStore() ?? null;
}
