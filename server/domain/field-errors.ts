/**
 * Every problem with each input field, in one plain message per field: all of a field's rules that fail, in the
 * schema's order, each said once (not only the first, not only the last). One function for both sides: the tRPC
 * error formatter (server/trpc/init.ts) answers with it, and the forms (components/ui/use-field-validation.ts)
 * run the same zod schemas in the browser and show the same words before anything is sent.
 *
 * Pure and dependency-free, so the browser may import it (eslint allows this one server file in components).
 */
export type Issue = { readonly path: readonly PropertyKey[]; readonly message: string };

/** `depth` 1 keys by the top-level field (what a form shows next to its controls); the default keys by the full path. */
export function messagesByField(issues: readonly Issue[], depth = Number.POSITIVE_INFINITY): Record<string, string> {
  const byField = new Map<string, string[]>();
  for (const issue of issues) {
    const key = issue.path.slice(0, depth).map(String).join(".");
    const messages = byField.get(key) ?? [];
    if (!messages.includes(issue.message)) messages.push(issue.message);
    byField.set(key, messages);
  }
  return Object.fromEntries([...byField].map(([key, messages]) => [key, messages.join("; ")]));
}
