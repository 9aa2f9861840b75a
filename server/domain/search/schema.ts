/** Input of the global search (Cmd/Ctrl-K), shared with the palette. */
import { z } from "zod";

export const SEARCH_MIN = 2;
export const SEARCH_MAX = 100;
/** At most this many results of each kind. */
export const SEARCH_PER_KIND = 5;

export const ZGlobalSearchInput = z
  .object({
    q: z
      .string({ message: "must be text" })
      .trim()
      .min(SEARCH_MIN, { message: `type at least ${SEARCH_MIN} characters` })
      .max(SEARCH_MAX, { message: `at most ${SEARCH_MAX} characters` }),
  })
  .strict();
export type TGlobalSearchInput = z.input<typeof ZGlobalSearchInput>;

export const SEARCH_KINDS = ["people", "systems", "entitlements", "requests", "campaigns"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
export type SearchHit = { id: string; title: string; detail: string; href: string };
export type SearchResults = Record<SearchKind, SearchHit[]>;
