/** `npm start`'s listening rules (scripts/lib/listen.mjs): loopback by default, no demo sign-in beyond it. */
import { describe, expect, it } from "vitest";
import { clientAddressOf, demoLoginOn, isLoopbackHost, listenHost, startupRefusal } from "./lib/listen.mjs";
import { parseEnv } from "../server/env";

const PG = "postgresql://u:p@db:5432/warrant";

describe("where npm start listens", () => {
  it("127.0.0.1 unless HOST is set", () => {
    expect(listenHost({})).toBe("127.0.0.1");
    expect(listenHost({ HOST: "" })).toBe("127.0.0.1");
    expect(listenHost({ HOST: "0.0.0.0" })).toBe("0.0.0.0");
  });

  it("decides demo sign-in exactly as server/env.ts does", () => {
    for (const DATABASE_URL of [undefined, PG]) {
      for (const DEMO_LOGIN of [undefined, "", "true", "false", "1", "0", "yes", "no"]) {
        const env = { DATABASE_URL, DEMO_LOGIN };
        expect(demoLoginOn(env), JSON.stringify(env)).toBe(parseEnv(env).demoLogin);
      }
    }
  });

  it("refuses to serve demo sign-in beyond this machine, and says why and what to do", () => {
    const why = startupRefusal({ HOST: "0.0.0.0" });
    expect(why).toContain("demo sign-in is on");
    expect(why).toContain("HOST=0.0.0.0");
    expect(why).toContain("DEMO_LOGIN=false");
    expect(startupRefusal({ HOST: "0.0.0.0", DATABASE_URL: PG, DEMO_LOGIN: "true" })).toContain("DEMO_LOGIN=true");
  });

  it("starts on loopback with the demo, and anywhere without it", () => {
    for (const HOST of [undefined, "127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]) expect(startupRefusal({ HOST })).toBeNull();
    expect(startupRefusal({ HOST: "0.0.0.0", DATABASE_URL: PG })).toBeNull();
    expect(startupRefusal({ HOST: "0.0.0.0", DEMO_LOGIN: "false" })).toBeNull();
    expect(isLoopbackHost("10.0.0.5")).toBe(false);
  });

  it("the client address is the socket's peer; X-Forwarded-For only behind a trusted proxy, and then its last entry", () => {
    const spoofed = { "x-forwarded-for": "1.2.3.4" };
    expect(clientAddressOf(spoofed, "::ffff:192.0.2.10", false)).toBe("192.0.2.10");
    expect(clientAddressOf(spoofed, "192.0.2.10", true)).toBe("1.2.3.4");
    expect(clientAddressOf({ "x-forwarded-for": "6.6.6.6, 198.51.100.7" }, "10.0.0.1", true)).toBe("198.51.100.7");
    expect(clientAddressOf({}, "10.0.0.1", true)).toBe("10.0.0.1");
  });
});
