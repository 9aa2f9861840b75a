/** Cookies follow the portal's URL: Secure, with next-auth's __Secure- / __Host- names, whenever it is https. */
import { afterEach, describe, expect, it } from "vitest";
import { secureCookiesOn } from "./options";

const saved = process.env.NEXTAUTH_URL;
afterEach(() => {
  process.env.NEXTAUTH_URL = saved;
});

describe("session cookies", () => {
  it("are Secure when NEXTAUTH_URL is https, and only then", () => {
    process.env.NEXTAUTH_URL = "https://warrant.example.com";
    expect(secureCookiesOn()).toBe(true);
    process.env.NEXTAUTH_URL = "http://localhost:3000";
    expect(secureCookiesOn()).toBe(false);
  });
});
