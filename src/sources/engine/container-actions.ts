import { StringDecoder } from 'node:string_decoder';
import { FathomError } from '../../errors.js';
import { terminalSafe } from '../../format.js';
import { explainConnectionError, isConnectionError, type Engine } from './connection.js';
import { answerTo, containerInspectAnswer } from './engine-answers.js';

/** What the containers screen's keys do to a container, as lazydocker's do (s, S, r, D). */
export type ContainerAction = 'start' | 'stop' | 'restart' | 'remove';

/** Where a log view stands: waiting for the engine, following, ended (the container stopped), or why not. */
export type LogStatus = 'starting' | 'following' | 'ended' | { failed: string };

/** A container's log as a view reads it: lines so far, whether it is still following, and a change signal. */
export interface LogFeed {
  readonly lines: readonly LogLine[];
  readonly status: LogStatus;
  subscribe(listener: () => void): () => void;
  stop(): void;
}

/** The engine's own words for a refusal ("container already started"), in one safe line. */
function engineSays(e: unknown): string {
  const err = e as { json?: { message?: unknown }; reason?: unknown; message?: unknown };
  const said = typeof err.json?.message === 'string' ? err.json.message : typeof err.reason === 'string' ? err.reason : String(err.message ?? e);
  return terminalSafe(said.split('\n')[0]);
}

/**
 * Starts, stops (10 s grace, as `docker stop`), restarts or removes a container. Removing a running one
 * forces it, as `docker rm -f` does: the screen asks first, saying so. Errors are one line.
 */
export async function actOnContainer(engine: Engine, id: string, action: ContainerAction, running: boolean): Promise<void> {
  const c = engine.docker.getContainer(id);
  try {
    if (action === 'start') await c.start();
    else if (action === 'stop') await c.stop({ t: 10 });
    else if (action === 'restart') await c.restart({ t: 10 });
    else await c.remove({ force: running, v: false });
  } catch (e) {
    if (isConnectionError(e)) throw explainConnectionError(e, engine.endpoint);
    const status = (e as { statusCode?: number }).statusCode;
    // 304: already in the state asked for, which is what the user wanted.
    if (status === 304) return;
    throw new FathomError(`${action} ${id.slice(0, 12)}: ${engineSays(e)}`);
  }
}

/** One line of a container's log, and which stream it came from. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Splits the Engine API's log stream into lines. A container without a TTY multiplexes stdout and
 * stderr in frames (a byte for the stream, three zero bytes, a 32-bit big-endian length, the bytes);
 * with a TTY the stream is the raw output. Partial lines and frames wait for the rest.
 */
export class LogSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** Per stream: a character split across two frames or chunks waits for its other half. */
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  constructor(private readonly multiplexed: boolean) {}

  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    if (!this.multiplexed) {
      this.text('stdout', this.decoders.stdout.write(chunk), out);
      return out;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const stream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      this.text(stream, this.decoders[stream].write(this.pending.subarray(8, 8 + size)), out);
      this.pending = this.pending.subarray(8 + size);
    }
    return out;
  }

  /** What is left when the stream ends: a last line without its newline. */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const last = this.partial[stream] + this.decoders[stream].end();
      if (last) out.push({ stream, text: last });
    }
    this.partial = { stdout: '', stderr: '' };
    return out;
  }

  private text(stream: LogLine['stream'], text: string, out: LogLine[]): void {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop()!;
    for (const p of parts) out.push({ stream, text: p.replace(/\r$/, '') });
  }
}

/** The most lines a log view keeps: `docker logs --tail 1000` first, then what follows, up to this. */
const KEPT_LINES = 10_000;

/** A container's log as the screen reads it: the last 1000 lines, then new ones as they come (`docker logs -f --tail 1000`). */
export class ContainerLog implements LogFeed {
  readonly lines: LogLine[] = [];
  status: LogStatus = 'starting';
  private readonly listeners = new Set<() => void>();
  private stream: NodeJS.ReadableStream | null = null;
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly id: string,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async start(): Promise<this> {
    try {
      const c = this.engine.docker.getContainer(this.id);
      const info = containerInspectAnswer(await c.inspect(), answerTo(this.engine, `GET /containers/${this.id.slice(0, 12)}/json`));
      const stream = (await c.logs({ follow: true, stdout: true, stderr: true, tail: 1000 })) as unknown as NodeJS.ReadableStream;
      if (this.stopped) return this.closeStream(stream);
      this.stream = stream;
      const splitter = new LogSplitter(!info.tty);
      const add = (lines: LogLine[]) => {
        if (lines.length === 0) return;
        this.lines.push(...lines);
        if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
        this.changed();
      };
      this.status = 'following';
      this.changed();
      stream.on('data', (chunk: Buffer) => add(splitter.push(chunk)));
      stream.on('end', () => {
        add(splitter.end());
        this.status = 'ended';
        this.changed();
      });
      stream.on('error', (e: Error) => {
        this.status = { failed: terminalSafe(e.message) };
        this.changed();
      });
    } catch (e) {
      this.status = { failed: isConnectionError(e) ? explainConnectionError(e, this.engine.endpoint).message : engineSays(e) };
      this.changed();
    }
    return this;
  }

  private closeStream(stream: NodeJS.ReadableStream): this {
    (stream as unknown as { destroy?: () => void }).destroy?.();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.stream) this.closeStream(this.stream);
    this.listeners.clear();
  }
}
