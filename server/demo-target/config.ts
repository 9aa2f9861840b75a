/**
 * Where the demo's "Production Database" lives by default: an embedded PostgreSQL served on this port of
 * 127.0.0.1 (server/demo-target). The demo seed writes it into the system's connector settings; pure, so
 * the seed data and the environment parsing share it.
 */
export const DEMO_TARGET_DEFAULT_PORT = 54329;
export const DEMO_TARGET_HOST = "127.0.0.1";
