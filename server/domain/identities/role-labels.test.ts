/** The header names a person's roles with the sign-in page's words (roleLabels). */
import { describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS } from "./demo-accounts";
import { ROLE_LABELS, roleLabels } from "./schema";

describe("roleLabels", () => {
  it("names governance roles, then relationships, with the sign-in page's words", () => {
    expect(roleLabels({ roles: ["SECURITY"], isManager: true, ownsSystems: false })).toEqual(["Security officer", "Manager"]);
    expect(roleLabels({ roles: [], isManager: false, ownsSystems: true })).toEqual(["System owner"]);
    expect(roleLabels({ roles: ["ADMIN", "AUDITOR"], isManager: false, ownsSystems: false })).toEqual(["Admin", "Auditor"]);
  });

  it("calls someone with no role and no relationship an Employee", () => {
    expect(roleLabels({ roles: [], isManager: false, ownsSystems: false })).toEqual(["Employee"]);
  });

  it("uses one vocabulary with the sign-in page's demo accounts", () => {
    const vocabulary = new Set<string>(Object.values(ROLE_LABELS));
    for (const a of DEMO_ACCOUNTS) expect(vocabulary.has(a.role), a.role).toBe(true);
  });
});
