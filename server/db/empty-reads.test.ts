/**
 * Which statements server/db/empty-reads.ts answers without the database: only a plain SELECT whose WHERE
 * requires `… IN (NULL)`. Every statement it must leave alone is here too, each for a reason it could return a
 * row or change something. (That the answered ones match the database's answer is shown on both engines in
 * empty-reads.int.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { neverMatchingSelect } from "./empty-reads";

const T = `"public"."Identity"`;

describe("statements answered without the database", () => {
  it.each([
    // Prisma's relation reads of an empty parent list, as captured from the home page and my requests.
    [`SELECT ${T}."id", ${T}."displayName" FROM ${T} WHERE ${T}."id" IN (NULL) OFFSET $1`, ["id", "displayName"]],
    [
      `SELECT "public"."Entitlement"."id", "public"."Entitlement"."risk"::text, "public"."Entitlement"."systemId" FROM "public"."Entitlement" WHERE "public"."Entitlement"."id" IN (NULL) OFFSET $1`,
      ["id", "risk", "systemId"],
    ],
    [
      `SELECT "public"."ApprovalStep"."id", "public"."ApprovalStep"."kind"::text, "public"."ApprovalStep"."requestId" FROM "public"."ApprovalStep" WHERE ("public"."ApprovalStep"."status" <> CAST($1::text AS "public"."StepStatus") AND "public"."ApprovalStep"."requestId" IN (NULL)) ORDER BY "public"."ApprovalStep"."stageOrder" ASC OFFSET $2`,
      ["id", "kind", "requestId"],
    ],
    [`SELECT ${T}."id" AS "who" FROM ${T} WHERE ${T}."kind" = $1 AND ${T}."id" IN (NULL) ORDER BY ${T}."id" DESC, ${T}."email" ASC LIMIT $2 OFFSET $3`, ["who"]],
    // Spread over lines as a person would write it.
    [`SELECT ${T}."id"\n  FROM ${T}\n  WHERE ${T}."id" IN (NULL)`, ["id"]],
  ])("%s", (sql, columns) => {
    expect(neverMatchingSelect(sql)).toEqual(columns);
  });
});

describe("statements left to the database", () => {
  it.each([
    ["a list with values", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN ($1,$2) OFFSET $3`],
    ["an aggregate: one row, whatever the WHERE", `SELECT COUNT(*) FROM ${T} WHERE ${T}."id" IN (NULL)`],
    ["an aggregate under a name", `SELECT COUNT(${T}."id") AS "_count" FROM ${T} WHERE ${T}."id" IN (NULL)`],
    ["an OR: the other side may hold", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN (NULL) OR ${T}."kind" = $1`],
    ["an OR after it, which binds looser than AND", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN (NULL) AND ${T}."kind" = $1 OR ${T}."status" = $2`],
    ["an OR inside a group", `SELECT ${T}."id" FROM ${T} WHERE (${T}."id" IN (NULL) OR ${T}."kind" = $1) AND ${T}."status" = $2`],
    ["NOT IN (NULL) is decided by NOT", `SELECT ${T}."id" FROM ${T} WHERE NOT (${T}."id" IN (NULL))`],
    ["a condition inside a function", `SELECT ${T}."id" FROM ${T} WHERE COALESCE(${T}."id" IN (NULL), TRUE)`],
    ["an IS NULL test of it", `SELECT ${T}."id" FROM ${T} WHERE (${T}."id" IN (NULL)) IS NULL`],
    ["a join", `SELECT ${T}."id" FROM ${T} JOIN "public"."Grant" ON TRUE WHERE ${T}."id" IN (NULL)`],
    ["a subquery in the list", `SELECT (SELECT 1) FROM ${T} WHERE ${T}."id" IN (NULL)`],
    ["a subquery holding the IN", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" = ANY (SELECT "x" FROM "y" WHERE "x" IN (NULL))`],
    ["a grouping", `SELECT ${T}."kind" FROM ${T} WHERE ${T}."id" IN (NULL) GROUP BY ${T}."kind"`],
    ["a union", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN (NULL) UNION SELECT "id" FROM "x"`],
    ["a lock", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN (NULL) FOR UPDATE`],
    ["a write", `UPDATE ${T} SET "status" = $1 WHERE ${T}."id" IN (NULL)`],
    ["a delete returning rows", `DELETE FROM ${T} WHERE ${T}."id" IN (NULL) RETURNING "id"`],
    ["the words only inside a string", `SELECT ${T}."id" FROM ${T} WHERE ${T}."note" = 'IN (NULL)'`],
    ["a window", `SELECT ${T}."id", ROW_NUMBER() OVER () FROM ${T} WHERE ${T}."id" IN (NULL)`],
    ["parentheses that do not close", `SELECT ${T}."id" FROM ${T} WHERE (${T}."id" IN (NULL)`],
    ["an expression in the ordering", `SELECT ${T}."id" FROM ${T} WHERE ${T}."id" IN (NULL) ORDER BY random()`],
  ])("%s", (_why, sql) => {
    expect(neverMatchingSelect(sql)).toBeNull();
  });
});
