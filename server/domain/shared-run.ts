/**
 * One computation shared by the callers that ask for it while it runs ("single flight"). A caller joins the
 * computation running for the same owner (a database client: tests open many in one process) and the same key
 * (the version of the state it reads, e.g. the ledger head) if it started at most `windowMs` before the
 * caller's clock; otherwise the caller starts one. Nothing is kept once a computation settles, so a caller
 * that comes after it computes afresh: this shares work between callers at once, it is not a cache. A
 * rejection reaches every caller that joined, and the next caller starts over.
 */
type Running<T> = { startedAt: number; value: Promise<T> };

export class SharedRun<T> {
  private readonly running = new WeakMap<object, Map<string, Running<T>>>();
  private readonly starts = new WeakMap<object, number>();

  constructor(private readonly windowMs: number) {}

  run(owner: object, key: string, now: number, compute: () => Promise<T>): Promise<T> {
    let byKey = this.running.get(owner);
    if (!byKey) this.running.set(owner, (byKey = new Map()));
    const current = byKey.get(key);
    if (current && now >= current.startedAt && now - current.startedAt <= this.windowMs) return current.value;

    const mine: Running<T> = { startedAt: now, value: compute() };
    this.starts.set(owner, this.started(owner) + 1);
    byKey.set(key, mine);
    const forget = () => {
      if (byKey.get(key) === mine) byKey.delete(key);
    };
    mine.value.then(forget, forget);
    return mine.value;
  }

  /** How many computations have started for this owner (what a test or a benchmark reads to see sharing). */
  started(owner: object): number {
    return this.starts.get(owner) ?? 0;
  }
}
