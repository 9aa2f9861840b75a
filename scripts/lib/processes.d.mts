type Env = Record<string, string | undefined>;
export declare const MAX_PROCESSES: number;
export declare function portalProcesses(env: Env): number | null;
export declare function processesRefusal(env: Env): string | null;
export declare function superviseProcesses(options: {
  count: number;
  onListening?: (address: { address: string; port: number }) => void;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  graceMs?: number;
}): void;
