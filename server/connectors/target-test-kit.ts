/**
 * A target database of its own for a PostgreSQL connector test file, on the throwaway cluster of
 * scripts/with-postgres.sh (TEST_PG_ADMIN_URL), with the roles the test grants, and its clean-up: the
 * database, every member role the connector created (`w_…`) and the roles themselves.
 */
import pg from "pg";

export type TargetDatabase = {
  /** A superuser session on the cluster, for the test's own set-up and read-backs. */
  admin: pg.Client;
  database: string;
  port: number;
  /** The cluster's admin user (the connector logs in as it where the test does not say otherwise). */
  user: string;
  drop(): Promise<void>;
};

export async function openTargetDatabase(adminUrl: string, database: string, roles: { name: string; superuser?: boolean }[]): Promise<TargetDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  for (const r of roles) await admin.query(`CREATE ROLE ${admin.escapeIdentifier(r.name)} NOLOGIN${r.superuser ? " SUPERUSER" : ""}`);
  const u = new URL(adminUrl);
  return {
    admin,
    database,
    port: Number(u.port),
    user: decodeURIComponent(u.username) || "postgres",
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
      for (const r of roles) {
        const members = await admin.query<{ rolname: string }>(
          "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1",
          [r.name],
        );
        for (const m of members.rows) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(m.rolname)}`);
        await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(r.name)}`);
      }
      await admin.end();
    },
  };
}
