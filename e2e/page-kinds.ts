/**
 * The kinds of detail page the portal has, by path: the accessibility spec checks the first of each kind a role
 * finds linked, and bench/demo-pages.ts times them. A new kind of page goes here once.
 */
/** Kinds of detail page, each visited once per role (the first link found). Lists come from the navigation. */
export const DETAIL_PAGES: { kind: string; path: RegExp }[] = [
  { kind: "request", path: /^\/requests\/(?!new$)[^/]+$/ },
  { kind: "campaign", path: /^\/campaigns\/(?!new$)[^/]+$/ },
  { kind: "campaign review", path: /^\/campaigns\/[^/]+\/review$/ },
  { kind: "campaign report", path: /^\/campaigns\/[^/]+\/report$/ },
  { kind: "new campaign", path: /^\/campaigns\/new$/ },
  { kind: "system", path: /^\/catalog\/systems\/(?!new$)[^/]+$/ },
  { kind: "new system", path: /^\/catalog\/systems\/new$/ },
  { kind: "system edit", path: /^\/catalog\/systems\/[^/]+\/edit$/ },
  { kind: "entitlement", path: /^\/catalog\/entitlements\/(?!new$)[^/]+$/ },
  { kind: "new entitlement", path: /^\/catalog\/entitlements\/new$/ },
  { kind: "identity", path: /^\/identities\/(?!new$|import$)[^/]+$/ },
  { kind: "new identity", path: /^\/identities\/new$/ },
  { kind: "import people", path: /^\/identities\/import$/ },
  { kind: "grant lineage", path: /^\/audit\/grants\/[^/]+$/ },
  { kind: "audit page", path: /^\/audit\/[a-z-]+$/ },
  { kind: "delegations", path: /^\/delegations$/ },
];
