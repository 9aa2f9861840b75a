/**
 * Where a benchmark run's CPU went, per call: the portal's processes, the database server's processes and the load
 * generator (this process), read from /proc on Linux. On a machine whose cores carry all three, these figures set
 * the ceiling a run can reach, whatever the code does above them: N cores serve at most N × 1000 / (portal ms +
 * PostgreSQL ms) calls a second even with the load coming from elsewhere.
 *
 * A process tree is a root and everything under it (the portal's first process and its workers; the postmaster and
 * its backends). The root's reaped children count too (cutime/cstime): a backend that exits during the run, or a
 * worker restarted, is not lost. Where /proc is missing (not Linux) every reading is null and the bench prints "-".
 */
import fs from "node:fs";
import { execFileSync } from "node:child_process";

type Stat = { ppid: number; own: number; reaped: number };

let ticksPerSecond: number | undefined;
function msPerTick(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return 1000 / ticksPerSecond;
}

function stat(pid: number): Stat | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces or parentheses: the fields start after the last ")".
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const t = msPerTick();
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * t, reaped: (Number(f[13]) + Number(f[14])) * t };
  } catch {
    return null;
  }
}

export function procAvailable(): boolean {
  return fs.existsSync("/proc/self/stat");
}

/** The parent of `pid`, or null. */
export function parentOf(pid: number): number | null {
  return stat(pid)?.ppid ?? null;
}

/** CPU milliseconds used so far by the tree under `root` (the root's reaped children included), or null. */
export function treeCpuMs(root: number): number | null {
  if (!procAvailable()) return null;
  const rootStat = stat(root);
  if (!rootStat) return null;
  const parent = new Map<number, number>();
  const own = new Map<number, number>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    parent.set(Number(name), s.ppid);
    own.set(Number(name), s.own);
  }
  const under = (pid: number) => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = rootStat.reaped;
  for (const [pid, ms] of own) if (under(pid)) total += ms;
  return total;
}

export type CpuSplit = { portal: number | null; database: number | null; loadGenerator: number };

/** Reads the three at once; `perCall(after, before, calls)` gives the per-call figures of the interval. */
export function readCpu(portalPid: number, postmasterPid: number | null): CpuSplit {
  const self = process.cpuUsage();
  return { portal: treeCpuMs(portalPid), database: postmasterPid === null ? null : treeCpuMs(postmasterPid), loadGenerator: (self.user + self.system) / 1000 };
}

export function perCall(after: CpuSplit, before: CpuSplit, calls: number): CpuSplit {
  const d = (a: number | null, b: number | null) => (a === null || b === null || calls === 0 ? null : (a - b) / calls);
  return { portal: d(after.portal, before.portal), database: d(after.database, before.database), loadGenerator: calls ? (after.loadGenerator - before.loadGenerator) / calls : 0 };
}
