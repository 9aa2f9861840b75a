/** Where the browser-test servers are recorded, and how they are stopped (by PID, as process groups). */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const STATE_DIR = path.join(ROOT, ".data/e2e");
export const STATE_FILE = path.join(STATE_DIR, "servers.json");

export type ServerState = { servers: { label: string; pid: number }[] };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Only processes this harness started: a node process running the portal (scripts/serve.mjs, `next start`) or our OIDC server. */
function isOurs(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes("e2e/oidc-server.mjs") || cmd.includes("scripts/serve.mjs") || cmd.includes("next/dist/bin/next") || cmd.startsWith("next-server");
  } catch {
    return false;
  }
}

async function stop(pid: number) {
  // Each server was started detached: its PID is also its process group, which holds any children it forked.
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 125));
  if (alive(pid)) signal("SIGKILL");
}

/** Stops the servers recorded in the state file (if still running and still ours), then forgets them. */
export async function stopRecordedServers() {
  if (!existsSync(STATE_FILE)) return;
  let state: ServerState = { servers: [] };
  try {
    state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as ServerState;
  } catch {
    /* unreadable: nothing to stop */
  }
  for (const s of state.servers.reverse()) {
    if (alive(s.pid) && isOurs(s.pid)) await stop(s.pid);
  }
  rmSync(STATE_FILE, { force: true });
}
