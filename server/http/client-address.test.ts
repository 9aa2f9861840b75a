import { afterEach, describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientAddress, STAMPED_ENV } from "./client-address";

afterEach(() => {
  delete process.env[STAMPED_ENV];
});

describe("the client address for rate limits", () => {
  const h = (o: Record<string, string>) => new Headers(o);

  it("is the address scripts/serve.mjs stamped, in the process it runs", () => {
    process.env[STAMPED_ENV] = "1";
    expect(clientAddress(h({ [CLIENT_ADDRESS_HEADER]: "192.0.2.1", "x-forwarded-for": "1.2.3.4" }), false)).toBe("192.0.2.1");
  });

  it("ignores that header anywhere else (a client could send it), and X-Forwarded-For unless behind a trusted proxy", () => {
    expect(clientAddress(h({ [CLIENT_ADDRESS_HEADER]: "192.0.2.1", "x-forwarded-for": "1.2.3.4" }), false)).toBe("unknown");
    expect(clientAddress(h({ "x-forwarded-for": "1.2.3.4, 198.51.100.7" }), true)).toBe("198.51.100.7");
  });
});
