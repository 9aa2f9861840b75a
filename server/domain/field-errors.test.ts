import { describe, expect, it } from "vitest";
import { z } from "zod";
import { messagesByField } from "./field-errors";
import { ZSubmitRequestInput } from "./requests/schema";

describe("messagesByField", () => {
  it("says every failing rule of a field once, in the schema's order", () => {
    const schema = z.object({ name: z.string().min(5, { message: "must be at least 5 characters" }).regex(/^[a-z]+$/, { message: "must be lower-case letters only" }) });
    const r = schema.safeParse({ name: "A1" });
    expect(r.success).toBe(false);
    expect(messagesByField(r.error!.issues)).toEqual({ name: "must be at least 5 characters; must be lower-case letters only" });
  });

  it("keys by the top-level field at depth 1 and by the full path otherwise; a repeated message is said once", () => {
    const issues = [
      { path: ["connectorConfig", "host"], message: "is required" },
      { path: ["connectorConfig", "port"], message: "is required" },
      { path: ["name"], message: "is required" },
      { path: [], message: "nothing to change" },
    ];
    expect(messagesByField(issues, 1)).toEqual({ connectorConfig: "is required", name: "is required", "": "nothing to change" });
    expect(messagesByField(issues)).toEqual({ "connectorConfig.host": "is required", "connectorConfig.port": "is required", name: "is required", "": "nothing to change" });
  });

  it("gives a request form every problem at once, from the server's own schema", () => {
    const r = ZSubmitRequestInput.safeParse({ entitlementId: crypto.randomUUID(), justification: "aaaa aaaa", durationHours: 0, ticketUrl: "ftp://x", emergency: true });
    expect(r.success).toBe(false);
    const m = messagesByField(r.error!.issues, 1);
    expect(Object.keys(m).sort()).toEqual(["durationHours", "incidentRef", "justification", "ticketUrl"]);
    expect(m.justification).toMatch(/at least \d+ characters/);
    expect(m.durationHours).toMatch(/between 1 and/);
    expect(m.ticketUrl).toMatch(/http/);
  });
});
