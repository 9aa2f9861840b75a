/**
 * A spool: text written to a private temporary file now and read back later, so one pass over the database
 * can feed two zip entries that must be written one after the other (a CSV and its JSON Lines twin; a control
 * check's header line, which needs counts, and its member lines). Memory stays flat: nothing is held but the
 * file's write buffer. The directory is made with mkdtemp (mode 0700), the file with mode 0600, and both are
 * removed once read, or by `Spools.disposeAll()` when the export fails.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export class Spool {
  private readonly dir = mkdtempSync(path.join(tmpdir(), "warrant-export-"));
  private readonly file = path.join(this.dir, "spool");
  // Opened here, synchronously: a spool disposed at once never races an asynchronous open.
  private readonly out: WriteStream = createWriteStream("", { fd: openSync(this.file, "wx", 0o600) });
  private failure: Error | null = null;
  private finished: Promise<void> | null = null;

  constructor() {
    // A write error (a full disk) is kept and thrown to the export by the next write or the read.
    this.out.on("error", (e) => (this.failure ??= e));
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out.write(text)) await once(this.out, "drain");
  }

  /** What was written, in order, as byte chunks with the number of lines each holds; the file is removed afterwards. */
  async *read(): AsyncGenerator<{ bytes: Buffer; lines: number }> {
    try {
      this.finished ??= new Promise<void>((resolve, reject) => {
        this.out.once("error", reject);
        this.out.end(() => resolve());
      });
      await this.finished;
      if (this.failure) throw this.failure;
      for await (const bytes of createReadStream(this.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        let lines = 0;
        for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
        yield { bytes, lines };
      }
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.out.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The spools of one export, so a failed export leaves no temporary file behind. */
export class Spools {
  private readonly open = new Set<Spool>();
  create(): Spool {
    const s = new Spool();
    this.open.add(s);
    return s;
  }
  disposeAll(): void {
    for (const s of this.open) s.dispose();
    this.open.clear();
  }
}
