import { PageHeader, Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { openApiDocument } from "@/server/http/api-v1/openapi";
import { API_SCOPES } from "@/server/domain/api-clients/scopes";

export const metadata = { title: "API reference" };

type Schema = { type?: string | string[]; format?: string; enum?: unknown[]; description?: string; default?: unknown; anyOf?: Schema[]; minimum?: number; maximum?: number; maxLength?: number };
type Param = { name: string; in: string; required?: boolean; description?: string; schema?: Schema; $ref?: string };
type Op = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  "x-warrant-scope"?: string;
  "x-warrant-acts-as"?: string;
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, Schema>; required?: string[] }; example?: unknown }> };
  responses: Record<string, unknown>;
};
type Doc = { info: { description: string; version: string }; tags: { name: string; description: string }[]; paths: Record<string, Record<string, Op>>; components: { parameters: Record<string, Param> } };

/** A short, readable type: "uuid", "string (≤ 200)", "one of LOW, MEDIUM", "integer 5–100". */
function typeOf(s: Schema | undefined): string {
  if (!s) return "";
  if (s.enum) return `one of ${s.enum.map(String).join(", ")}`;
  if (s.anyOf) return s.anyOf.map(typeOf).filter(Boolean).join(" or ");
  const t = Array.isArray(s.type) ? s.type.join(" or ") : (s.type ?? "any");
  if (s.format) return s.format === "date-time" ? "date-time (ISO 8601)" : s.format;
  if (s.minimum !== undefined && s.maximum !== undefined && s.maximum < 1e9) return `${t} ${s.minimum}–${s.maximum}`;
  if (s.maxLength !== undefined && s.maxLength < 1e5) return `${t} (≤ ${s.maxLength})`;
  return t;
}

/** Text of the document with its `code` spans (Markdown backticks) shown as code. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, i) =>
        i % 2 === 1 ? (
          <code key={i} className="text-slate-900">
            {part}
          </code>
        ) : (
          part.replace(/\*\*/g, "")
        ),
      )}
    </>
  );
}

const methodTone = { GET: "blue", POST: "green" } as const;

function curlOf(method: string, path: string, op: Op): string {
  const example = op.requestBody?.content["application/json"]?.example;
  const lines = [`curl -sS${method === "GET" ? "" : " -X " + method} "$WARRANT_URL/api/v1${path.replace(/\{(\w+)\}/g, "<$1>")}" \\`, `  -H "Authorization: Bearer $WARRANT_TOKEN"`];
  if (method !== "GET") {
    lines[lines.length - 1] += " \\";
    lines.push(`  -H "Content-Type: application/json" -H "Idempotency-Key: $(uuidgen)" \\`, `  -d '${JSON.stringify(example ?? {})}'`);
  }
  return lines.join("\n");
}

/** The REST API reference, made from the OpenAPI document the API serves (so the two cannot disagree). */
export default function ApiReferencePage() {
  const doc = openApiDocument() as unknown as Doc;
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  const resolve = (p: Param): Param => (p.$ref ? doc.components.parameters[p.$ref.split("/").pop()!]! : p);
  return (
    <div className="min-w-0">
      <PageHeader
        title="API reference"
        description={
          <>
            The REST API at <code>/api/v1</code> (version {doc.info.version}) drives Warrant from other systems with the same rules and the same evidence as this portal. The machine-readable
            description is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1); this page is made from it.
          </>
        }
      />
      <div className="space-y-6">
        <Card title="How it works">
          <dl className="grid gap-x-6 gap-y-3 text-sm text-slate-700 md:grid-cols-[12rem_1fr]">
            <dt className="font-medium text-slate-900">Authentication</dt>
            <dd>
              An API client is a non-human identity with an accountable owner and an expiry. Send its token as <code>Authorization: Bearer wrt_…</code>. A token is shown once and stored
              only as a hash; a client whose owner leaves stops working at once.
            </dd>
            <dt className="font-medium text-slate-900">Scopes</dt>
            <dd>Each operation needs one scope, held as access to the matching entitlement of the Warrant API system (asked for and approved like any access).</dd>
            <dt className="font-medium text-slate-900">Errors</dt>
            <dd>
              Problem details (RFC 9457, <code>application/problem+json</code>): <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, <code>instance</code>; <code>errors</code> per field
              for bad input, <code>errorId</code> for an unexpected error.
            </dd>
            <dt className="font-medium text-slate-900">Lists</dt>
            <dd>
              <code>?limit=</code> (5–100) and the opaque <code>nextCursor</code> of the previous page as <code>?cursor=</code>; the answer is <code>{"{ items, nextCursor }"}</code>.
            </dd>
            <dt className="font-medium text-slate-900">Retries</dt>
            <dd>
              Send an <code>Idempotency-Key</code> with every change: a retry with the same key and body gets the first answer again and acts only once. Keys are kept for 24 hours.
            </dd>
          </dl>
        </Card>

        <Card title="Scopes">
          <ul className="divide-y divide-slate-100 text-sm">
            {Object.entries(API_SCOPES).map(([scope, info]) => (
              <li key={scope} className="flex flex-col gap-1 py-2 md:flex-row md:items-baseline md:gap-4">
                <code className="shrink-0 font-medium text-slate-900 md:w-48">{scope}</code>
                <span className="text-slate-700">
                  {info.description} <span className="text-slate-500">Acts as {info.actsAs === "client" ? "the client itself" : "its owner"}.</span>
                </span>
              </li>
            ))}
          </ul>
        </Card>

        {doc.tags.map((tag) => {
          const here = ops.filter((o) => o.op.tags.includes(tag.name));
          if (here.length === 0) return null;
          return (
            <section key={tag.name} aria-labelledby={`tag-${tag.name}`} className="space-y-3">
              <div>
                <h2 id={`tag-${tag.name}`} className="text-lg font-semibold capitalize text-slate-900">
                  {tag.name}
                </h2>
                <p className="text-sm text-slate-600">{tag.description}</p>
              </div>
              {here.map(({ path, method, op }) => {
                const params = (op.parameters ?? []).map(resolve);
                const body = op.requestBody?.content["application/json"]?.schema;
                return (
                  <article key={op.operationId} aria-labelledby={`op-${op.operationId}`} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                    <h3 id={`op-${op.operationId}`} className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
                      <Badge tone={methodTone[method as keyof typeof methodTone] ?? "slate"}>{method}</Badge>
                      <code className="break-all">/api/v1{path}</code>
                    </h3>
                    <p className="mt-1 text-sm text-slate-800">{op.summary}</p>
                    {op["x-warrant-scope"] && (
                      <p className="mt-1 text-xs text-slate-600">
                        Scope <code className="font-medium text-slate-900">{op["x-warrant-scope"]}</code> · acts as {op["x-warrant-acts-as"] === "client" ? "the client" : "the owner"}
                      </p>
                    )}
                    {op.description && !op.description.startsWith("**Scope") && <p className="mt-2 text-sm text-slate-600">
                        <Prose text={op.description.split("\n\n")[0]!} />
                      </p>}
                    {params.length > 0 && (
                      <div className="mt-3">
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Parameters</h4>
                        <ul className="mt-1 space-y-1 text-sm">
                          {params.map((p) => (
                            <li key={`${p.in}-${p.name}`} className="break-words">
                              <code className="font-medium text-slate-900">{p.name}</code> <span className="text-slate-500">({p.in}{p.required ? ", required" : ""})</span>{" "}
                              <span className="text-slate-700">{typeOf(p.schema)}</span>
                              {p.description && (
                                <span className="text-slate-600">
                                  {" "}
                                  — <Prose text={p.description} />
                                </span>
                              )}
                            </li>
                          ))}
                        </ul>
                      </div>
                    )}
                    {body?.properties && (
                      <div className="mt-3">
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Body (JSON)</h4>
                        <ul className="mt-1 space-y-1 text-sm">
                          {Object.entries(body.properties).map(([name, s]) => (
                            <li key={name} className="break-words">
                              <code className="font-medium text-slate-900">{name}</code> <span className="text-slate-500">{body.required?.includes(name) ? "(required)" : "(optional)"}</span>{" "}
                              <span className="text-slate-700">{typeOf(s)}</span>
                            </li>
                          ))}
                        </ul>
                      </div>
                    )}
                    <div className="mt-3">
                      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Example</h4>
                      <pre tabIndex={0} aria-label={`curl example: ${op.summary}`} className="mt-1 overflow-x-auto rounded-md bg-slate-100 p-3 text-xs text-slate-800">
                        <code>{curlOf(method, path, op)}</code>
                      </pre>
                    </div>
                    <p className="mt-2 text-xs text-slate-500">Answers: {Object.keys(op.responses).join(", ")}</p>
                  </article>
                );
              })}
            </section>
          );
        })}
      </div>
    </div>
  );
}
