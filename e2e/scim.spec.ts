/**
 * SCIM over real HTTP against the built portal. An admin registers a SCIM client on its page and copies the
 * token shown once; then Playwright's `request` (no cookie, no Origin, like an identity provider) plays the
 * request sequences of Okta's and Entra's SCIM validators: create, get by `userName eq`, get by id, PATCH
 * active false (both shapes), PATCH manager, PUT, group create with members added and removed, DELETE. A bad
 * token is refused with 401. Finally the admin rotates the token and revokes the old one on the page.
 */
import { test, expect, DEMO } from "./fixtures";
import type { APIRequestContext } from "@playwright/test";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const stamp = Date.now().toString(36);

function scim(request: APIRequestContext, token: string) {
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json", Accept: "application/scim+json" };
  const call = async (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, data?: unknown) => {
    const res = await request.fetch(`/scim/v2/${path}`, { method, headers, data: data === undefined ? undefined : JSON.stringify(data) });
    const text = await res.text();
    // SCIM JSON is whatever the server answers; the assertions say what they expect of it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status(), body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  return call;
}

test("an identity provider provisions people over SCIM with a token an admin issued, rotated and revoked", async ({ adminPage: page, request }) => {
  test.setTimeout(120_000);
  // 1. The admin registers a client and copies its token (shown once).
  await page.goto("/admin/scim");
  await expect(page.getByRole("heading", { level: 1, name: "SCIM clients" })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill(`Okta SCIM ${stamp}`);
  const owner = page.getByRole("combobox", { name: "Accountable owner" });
  await owner.fill(DEMO.owner.name);
  await page.getByRole("option", { name: new RegExp(DEMO.owner.name) }).first().click();
  await page.getByLabel("Purpose").fill("Joiners, movers and leavers from Okta");
  await page.getByRole("button", { name: "Register and issue a token" }).click();
  const tokenBox = page.getByLabel("Token", { exact: true });
  await expect(tokenBox).toHaveValue(/^wrt_/);
  const token = await tokenBox.inputValue();
  const call = scim(request, token);

  // 2. Discovery.
  const spc = await call("GET", "ServiceProviderConfig");
  expect(spc.status).toBe(200);
  expect(spc.body.patch.supported).toBe(true);

  // 3. Okta: does the user exist? create; get by id; PATCH active false with a value object.
  const manager = (await call("GET", `Users?filter=${encodeURIComponent(`userName eq "${DEMO.manager.email}"`)}`)).body.Resources[0];
  expect(manager.userName).toBe(DEMO.manager.email);
  const okta = `olga.${stamp}@halcyon.example`;
  expect((await call("GET", `Users?filter=${encodeURIComponent(`userName eq "${okta}"`)}&startIndex=1&count=100`)).body.totalResults).toBe(0);
  const created = await call("POST", "Users", {
    schemas: [USER, ENT],
    userName: okta,
    name: { givenName: "Olga", familyName: "Okta" },
    emails: [{ primary: true, value: okta, type: "work" }],
    externalId: `00u${stamp}`,
    active: true,
    [ENT]: { department: "Finance" },
  });
  expect(created.status).toBe(201);
  const oktaId = created.body.id as string;
  expect((await call("GET", `Users/${oktaId}`)).body.userName).toBe(okta);
  const put = await call("PUT", `Users/${oktaId}`, { ...created.body, title: "Controller", [ENT]: { department: "Finance", manager: { value: manager.id } } });
  expect(put.status).toBe(200);
  expect(put.body[ENT].manager.value).toBe(manager.id);
  const deactivated = await call("PATCH", `Users/${oktaId}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] });
  expect(deactivated.body.active).toBe(false);

  // 4. Entra: create, find by externalId, PATCH manager (bare id) and active "False".
  const entra = `ellen.${stamp}@halcyon.example`;
  const e = await call("POST", "Users", { schemas: [USER, ENT], externalId: `e-${stamp}`, userName: entra, active: true, displayName: "Ellen Entra", [ENT]: { department: "Sales" } });
  expect(e.status).toBe(201);
  expect((await call("GET", `Users?filter=${encodeURIComponent(`externalId eq "e-${stamp}"`)}`)).body.Resources[0].id).toBe(e.body.id);
  const moved = await call("PATCH", `Users/${e.body.id}`, { schemas: [PATCH], Operations: [{ op: "Add", path: `${ENT}:manager`, value: manager.id }] });
  expect(moved.body[ENT].manager.value).toBe(manager.id);

  // 5. Groups: create with a member, add one, remove one.
  const g = await call("POST", "Groups", { schemas: [GROUP], displayName: `Finance ${stamp}`, members: [{ value: e.body.id }] });
  expect(g.status).toBe(201);
  await call("PATCH", `Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: manager.id }] }] });
  const removed = await call("PATCH", `Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: "Remove", path: "members", value: [{ value: e.body.id }] }] });
  expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([manager.id]);

  const left = await call("PATCH", `Users/${e.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
  expect(left.body.active).toBe(false);
  expect((await call("DELETE", `Users/${oktaId}`)).status).toBe(204);

  // 6. A wrong token: 401, and nothing created.
  const bad = await scim(request, "wrt_not-a-token")("POST", "Users", { schemas: [USER], userName: `mallory.${stamp}@halcyon.example` });
  expect(bad.status).toBe(401);
  expect((await call("GET", `Users?filter=${encodeURIComponent(`userName eq "mallory.${stamp}@halcyon.example"`)}`)).body.totalResults).toBe(0);

  // 7. The page shows its last use; the admin rotates (new token shown once), then revokes the old one.
  await page.getByRole("button", { name: "I have stored it" }).click();
  await page.reload();
  const table = page.getByRole("table", { name: "SCIM client tokens" });
  const row = table.getByRole("row").filter({ hasText: `Okta SCIM ${stamp}` });
  await expect(row).toHaveCount(1);
  await expect(row.getByText("Active")).toBeVisible();
  await row.getByRole("button", { name: "Rotate" }).click();
  await expect(tokenBox).toHaveValue(/^wrt_/);
  const next = await tokenBox.inputValue();
  expect(next).not.toBe(token);
  expect((await scim(request, next)("GET", "ServiceProviderConfig")).status).toBe(200);
  // Inside the overlap the old token still works.
  expect((await call("GET", "ServiceProviderConfig")).status).toBe(200);
  await page.reload();
  const oldRow = table.getByRole("row").filter({ hasText: token.slice(0, 12) });
  await expect(oldRow.getByText("Rotated (still valid)")).toBeVisible();
  await oldRow.getByRole("button", { name: "Revoke…" }).click();
  await oldRow.getByLabel("Why revoke this token?").fill("Rotated after the Okta app was reconfigured");
  await oldRow.getByRole("button", { name: "Revoke now" }).click();
  await expect(oldRow.getByText("Revoked")).toBeVisible();
  expect((await call("GET", "ServiceProviderConfig")).status).toBe(401);
  expect((await scim(request, next)("GET", "ServiceProviderConfig")).status).toBe(200);
  await page.screenshot({ path: "test-results/scim-clients-1440.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 900 });
  await page.screenshot({ path: "test-results/scim-clients-390.png", fullPage: true });
});
