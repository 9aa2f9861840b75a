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

/**
 * Queues what a visited page links to: the first link to each kind of detail page not seen yet, and every
 * audit page (each one a page of its own, not one "kind").
 */
export function queueLinkedPages(links: string[], visited: Set<string>, seenKinds: Set<string>, queue: string[]): void {
  for (const { kind, path: re } of DETAIL_PAGES) {
    if (seenKinds.has(kind)) continue;
    const found = links.find((l) => re.test(l) && !visited.has(l));
    if (found) {
      seenKinds.add(kind);
      queue.push(found);
    }
  }
  for (const l of links) if (/^\/audit\/[a-z-]+$/.test(l) && !visited.has(l) && !queue.includes(l)) queue.push(l);
}
