// The parts of autocannon's API the benchmarks use (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";
  export type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
  export type Options = {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeout?: number;
    requests?: { setupRequest?: (req: Request, context: Record<string, unknown>) => Request }[];
  };
  export type Result = { requests: { total: number; average: number }; non2xx: number; errors: number; timeouts: number; duration: number; statusCodeStats?: Record<string, { count: number }> };
  export type Instance = EventEmitter;
  function autocannon(opts: Options, cb: (err: Error | null, res: Result) => void): Instance;
  export default autocannon;
}
