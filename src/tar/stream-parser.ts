import { FathomError } from '../errors.js';
import { decodeName } from './name-bytes.js';
import { BLOCK, applyOverrides, checkHeaderNumbers, isMetaType, isZeroBlock, paddedSize, parsePax, parseRawHeader, type TarHeader } from './header.js';

/** Receives each entry's header; may return a function that is fed the entry's content bytes. */
export type EntryVisitor = (header: TarHeader, contentOffset: number) => ((chunk: Buffer) => void) | null;

const enum State {
  Header,
  Content,
  Padding,
  End,
}

/** Types whose size field describes no data (as Go's archive/tar, which wrote these layers). */
function hasData(typeflag: string): boolean {
  return !(typeflag === '1' || typeflag === '2' || typeflag === '3' || typeflag === '4' || typeflag === '5' || typeflag === '6');
}

const MAX_META_BYTES = 1 << 20;

/**
 * A push parser for tar streams: feed it chunks in order, it calls the visitor once per entry.
 * Content is skipped by counting, never copied, unless the visitor asks for it.
 */
export class TarStreamParser {
  private state = State.Header;
  private readonly headerBuf = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private offset = 0;
  private zeroBlocks = 0;
  private sink: ((chunk: Buffer) => void) | null = null;
  private metaChunks: Buffer[] | null = null;
  private metaType = '';
  private pax: Record<string, string> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private currentName = '';

  constructor(
    private readonly visit: EntryVisitor,
    /** Names the stream in errors, e.g. "image.tar: layer 3 (sha256:…)". */
    private readonly where: string,
  ) {}

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset + this.headerFill;
  }

  /**
   * Skips, without its bytes, what is left of an entry's content that no one reads and its padding:
   * how a local archive is scanned by seeking. Returns how many bytes the caller must seek past.
   */
  skipUnread(): number {
    let skipped = this.skipContent();
    if (this.state === State.Padding) {
      skipped += this.remaining;
      this.offset += this.remaining;
      this.remaining = 0;
      this.state = State.Header;
    }
    return skipped;
  }

  /**
   * Skips what is left of the current entry's content, and nothing after it (the padding still comes as
   * bytes): how a tar-split record, whose file contents live elsewhere, is scanned. Returns the bytes skipped.
   */
  skipContent(): number {
    if (this.state !== State.Content || this.sink || this.metaChunks) return 0;
    const skipped = this.remaining;
    this.offset += skipped;
    this.remaining = 0;
    this.finishContent();
    return skipped;
  }

  /** Whether the end-of-archive marker has been read. */
  get ended(): boolean {
    return this.state === State.End;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case State.Header: {
          if (this.headerFill === 0 && len - pos >= BLOCK) {
            this.onHeader(chunk, pos);
            pos += BLOCK;
            this.offset += BLOCK;
          } else {
            // A header cut between chunks: gathered, and read once whole, at the offset where it starts (as
            // above), so that its content's offset is the same however the stream was cut.
            const n = Math.min(BLOCK - this.headerFill, len - pos);
            chunk.copy(this.headerBuf, this.headerFill, pos, pos + n);
            this.headerFill += n;
            pos += n;
            if (this.headerFill === BLOCK) {
              this.headerFill = 0;
              this.onHeader(this.headerBuf, 0);
              this.offset += BLOCK;
            }
          }
          break;
        }
        case State.Content: {
          const n = Math.min(this.remaining, len - pos);
          if (this.sink) this.sink(chunk.subarray(pos, pos + n));
          else if (this.metaChunks) this.metaChunks.push(Buffer.from(chunk.subarray(pos, pos + n)));
          this.remaining -= n;
          pos += n;
          this.offset += n;
          if (this.remaining === 0) this.finishContent();
          break;
        }
        case State.Padding: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          pos += n;
          this.offset += n;
          if (this.remaining === 0) this.state = State.Header;
          break;
        }
        case State.End:
          // Bytes after the end-of-archive marker (block padding) carry nothing.
          this.offset += len - pos;
          pos = len;
          break;
      }
    }
  }

  /** Call when the stream ends: a stream cut inside an entry is an error. */
  end(): void {
    if (this.state === State.End) return;
    if (this.state === State.Header && this.headerFill === 0 && this.metaChunks === null && this.pax === null && this.longName === null) {
      // Ended on a block boundary without the two zero blocks: GNU tar accepts it, and so do we.
      return;
    }
    // Quoted as JSON, as every other message quotes a name: one from a layer may hold a newline.
    const what = this.currentName ? ` inside entry ${JSON.stringify(this.currentName)}` : '';
    throw new FathomError(`${this.where}: truncated tar stream${what} (ended at byte ${this.position})`);
  }

  private onHeader(buf: Buffer, start: number): void {
    if (isZeroBlock(buf, start)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = State.End;
      return;
    }
    this.zeroBlocks = 0;
    const header = parseRawHeader(buf, start, () => `${this.where}: at byte ${this.offset}`);
    if (!Number.isSafeInteger(header.size) || header.size < 0) {
      throw new FathomError(`${this.where}: entry ${JSON.stringify(header.name)} has an impossible size (${header.size})`);
    }
    if (isMetaType(header.typeflag)) {
      if (header.size > MAX_META_BYTES) {
        throw new FathomError(`${this.where}: extended header of ${header.size} bytes is too large`);
      }
      this.metaType = header.typeflag;
      this.metaChunks = [];
      this.sink = null;
      this.beginContent(header.size);
      return;
    }
    applyOverrides(header, this.pax, this.longName, this.longLink);
    this.pax = null;
    this.longName = null;
    this.longLink = null;
    this.currentName = header.name;
    checkHeaderNumbers(header, this.where);
    const dataSize = hasData(header.typeflag) ? header.size : 0;
    if (!hasData(header.typeflag)) header.size = 0;
    this.sink = this.visit(header, this.offset + BLOCK);
    this.metaChunks = null;
    this.beginContent(dataSize);
  }

  private beginContent(size: number): void {
    this.remaining = size;
    if (size > 0) {
      this.state = State.Content;
    } else {
      this.finishContent();
    }
  }

  private finishContent(): void {
    const metaChunks = this.metaChunks;
    if (metaChunks) {
      const data = Buffer.concat(metaChunks);
      const where = `${this.where}: extended header at byte ${this.offset}`;
      if (this.metaType === 'x') this.pax = { ...(this.pax ?? {}), ...parsePax(data, where) };
      else if (this.metaType === 'L') this.longName = cStringOf(data);
      else if (this.metaType === 'K') this.longLink = cStringOf(data);
      // 'g' (PAX global) records apply to the whole archive; Docker never writes them, and no field we read uses them.
      this.metaChunks = null;
    }
    this.sink = null;
    const size = this.offset; // content ended here; pad to the next block
    const pad = paddedSize(size) - size;
    this.remaining = pad;
    this.state = pad > 0 ? State.Padding : State.Header;
  }
}

function cStringOf(data: Buffer): string {
  const nul = data.indexOf(0);
  return decodeName(data, 0, nul === -1 ? data.length : nul);
}
