import fs from 'node:fs';

/** Bytes are gathered into writes of this much (a socket hands over ~20–250 KB at a time). */
const WRITE_BYTES = 512 << 10;
/** How far the disk may fall behind the stream before the stream is asked to wait for it. */
const BEHIND_BYTES = 4 << 20;

/**
 * A new file written from bytes pushed in as a stream delivers them. The writes run on libuv's thread
 * pool, gathered and a few at a time, so the thread reading the stream never blocks on the disk: writing
 * a 1 GB export to ext4 costs ~1.4 s of a core here, and done synchronously it held up the engine's
 * socket as long (the export took 4.5 s to arrive rather than ~1.2 s). Bytes are copied in, so the
 * caller may reuse its buffer (a socket read into one buffer does), into a few buffers that are reused
 * once written: a gigabyte passes through ~5 MB.
 */
export class SpoolFile {
  private readonly fd: number;
  private position = 0;
  private current: Buffer = Buffer.allocUnsafe(WRITE_BYTES);
  private fill = 0;
  private readonly spare: Buffer[] = [];
  private writing = 0;
  private failure: unknown = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  /** Opens (creates) the file; throws as `fs.openSync` does. */
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /** Whether the disk is more than a few MB behind what was pushed in. */
  private get behind(): boolean {
    return this.writing * WRITE_BYTES > BEHIND_BYTES;
  }

  /** Bytes pushed in so far. */
  get size(): number {
    return this.position + this.fill;
  }

  /**
   * Takes a copy of `chunk`. False when the disk is more than a few MB behind: the caller should wait
   * for `drained()` before pushing much more (pushing on is still correct, only unbounded).
   */
  write(chunk: Buffer): boolean {
    if (this.failure) throw this.failure;
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, WRITE_BYTES - this.fill);
      chunk.copy(this.current, this.fill, at, at + n);
      this.fill += n;
      at += n;
      if (this.fill === WRITE_BYTES) this.flush();
    }
    return !this.behind;
  }

  /** Settles once the disk is no more than a few MB behind (at once if it is not). */
  async drained(): Promise<void> {
    while (this.behind) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Writes what is left, closes the file and returns its size; throws the first failed write's error. */
  async end(): Promise<number> {
    this.flush();
    await this.settled();
    this.close();
    if (this.failure) throw this.failure;
    return this.position;
  }

  /** Gives up: the writes already issued finish (or fail), then the file is closed; nothing is thrown. */
  async abort(): Promise<void> {
    await this.settled();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private async settled(): Promise<void> {
    while (this.writing > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private flush(): void {
    if (this.fill === 0) return;
    const buf = this.current;
    const length = this.fill;
    const at = this.position;
    this.position += length;
    this.current = this.spare.pop() ?? Buffer.allocUnsafe(WRITE_BYTES);
    this.fill = 0;
    this.writing++;
    writeAllAt(this.fd, buf, length, at, (e) => {
      this.writing--;
      if (e) this.failure ??= e;
      this.spare.push(buf);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }
}

/** Writes `length` bytes of `buf` at `at` (a write may write less than asked). */
function writeAllAt(fd: number, buf: Buffer, length: number, at: number, done: (e: NodeJS.ErrnoException | null) => void): void {
  let written = 0;
  const next = () =>
    fs.write(fd, buf, written, length - written, at + written, (e, n) => {
      if (e) return done(e);
      written += n;
      if (written < length && n > 0) next();
      else done(written < length ? Object.assign(new Error('a write to the spool made no progress'), { code: 'EIO' }) : null);
    });
  next();
}
