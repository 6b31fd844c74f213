/**
 * Reads an HTTP/1.1 answer pushed in as it arrives: status line, headers, then the body as it is framed
 * (chunked, a Content-Length, or to the end of the connection), handing each piece of body out as a view
 * of the bytes pushed in, never a copy. Written here rather than taken from node:http because the export
 * of an image is ~1 GB in ~20k socket reads: node's client gives each read a new buffer, V8 counts each
 * against its external memory and collects the old generation every ~15 MB (71 full collections, ~0.3 s
 * of the main thread on one export here), where a socket read into one buffer (net's `onread`) allocates
 * nothing. Only what an engine's answer needs: no keep-alive, no upgrades, no 1xx but skipped.
 */

/** Status line and headers together are bounded: an engine's are a few hundred bytes. */
const HEAD_LIMIT = 64 << 10;
/** A chunk-size line ("1a2b;ext=…") or a trailer line. */
const LINE_LIMIT = 4 << 10;

export class HttpAnswerError extends Error {}

export interface AnswerHead {
  statusCode: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Map<string, string>;
}

const enum State {
  Head,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  Length,
  UntilClose,
  Done,
}

export class HttpAnswerDecoder {
  private state = State.Head;
  /** Bytes of a line (or of the head) that arrived split across pushes. */
  private pending = '';
  private remaining = 0;
  head: AnswerHead | null = null;

  constructor(
    private readonly onHead: (head: AnswerHead) => void,
    /** A piece of the body, valid only during the call. */
    private readonly onBody: (piece: Buffer) => void,
  ) {}

  /** Whether the body has ended (by its framing; an answer read to the close ends at `close()`). */
  get done(): boolean {
    return this.state === State.Done;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len && this.state !== State.Done) {
      switch (this.state) {
        case State.Head: {
          // Gathered as text (a head is small) so that its blank line may straddle two pushes.
          const seen = this.pending.length;
          const take = Math.min(len - pos, HEAD_LIMIT + 4 - seen);
          this.pending += chunk.toString('latin1', pos, pos + take);
          const split = this.pending.indexOf('\r\n\r\n', Math.max(0, seen - 3));
          if (split < 0) {
            if (this.pending.length > HEAD_LIMIT) throw new HttpAnswerError(`an answer head of more than ${HEAD_LIMIT} bytes`);
            pos += take;
            break;
          }
          const text = this.pending.slice(0, split);
          pos += split + 4 - seen;
          this.pending = '';
          this.beginBody(text);
          break;
        }
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers: {
          const nl = chunk.indexOf(10, pos);
          if (nl < 0) {
            this.pending += chunk.toString('latin1', pos);
            if (this.pending.length > LINE_LIMIT) throw new HttpAnswerError('a chunk framing line of more than 4 KiB');
            return;
          }
          const line = (this.pending + chunk.toString('latin1', pos, Math.min(nl, pos + LINE_LIMIT))).replace(/\r$/, '');
          this.pending = '';
          if (nl - pos > LINE_LIMIT) throw new HttpAnswerError('a chunk framing line of more than 4 KiB');
          pos = nl + 1;
          this.onLine(line);
          break;
        }
        case State.ChunkData:
        case State.Length: {
          const n = Math.min(this.remaining, len - pos);
          this.onBody(chunk.subarray(pos, pos + n));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.state = this.state === State.ChunkData ? State.ChunkEnd : State.Done;
          break;
        }
        case State.UntilClose:
          this.onBody(pos === 0 ? chunk : chunk.subarray(pos));
          return;
      }
    }
  }

  /** The connection closed: an answer cut short of its framing is an error. */
  close(): void {
    if (this.state === State.Done) return;
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      return;
    }
    throw new HttpAnswerError(this.state === State.Head ? 'the connection closed before the answer began' : 'the connection closed in the middle of the answer');
  }

  private beginBody(text: string): void {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
    if (!status) throw new HttpAnswerError(`an answer that is not HTTP/1.1: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const statusCode = Number(status[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new HttpAnswerError(`a malformed header line in the answer: ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    if (statusCode >= 100 && statusCode < 200) return; // informational: the real answer follows
    this.head = { statusCode, headers };
    const encoding = headers.get('transfer-encoding');
    const length = headers.get('content-length');
    if (encoding !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(encoding)) throw new HttpAnswerError(`an answer in transfer encoding ${JSON.stringify(encoding.slice(0, 40))}`);
      this.state = State.ChunkSize;
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new HttpAnswerError(`an answer with Content-Length ${JSON.stringify(length.slice(0, 40))}`);
      this.remaining = Number(length);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else {
      this.state = statusCode === 204 || statusCode === 304 ? State.Done : State.UntilClose;
    }
    this.onHead(this.head);
  }

  private onLine(line: string): void {
    if (this.state === State.ChunkEnd) {
      if (line !== '') throw new HttpAnswerError('a chunk longer than its size said');
      this.state = State.ChunkSize;
      return;
    }
    if (this.state === State.Trailers) {
      if (line === '') this.state = State.Done;
      return;
    }
    const size = /^([0-9a-fA-F]{1,13})[ \t]*(?:;.*)?$/.exec(line);
    if (!size) throw new HttpAnswerError(`a chunk size that is not one: ${JSON.stringify(line.slice(0, 40))}`);
    this.remaining = parseInt(size[1], 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
  }
}
