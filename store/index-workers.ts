import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { FathomError } from '../src/errors.js';
import type { Compression } from '../src/layer/compression.js';
import type { TarSplitLayer } from '../src/layer/tar-split.js';
import type { ScannedLayout } from '../src/layer/scanned-layout.js';
import { nodeWorkerThreads } from '../src/lazy-node.js';

/**
 * A layer to be indexed (and copied to `copyTo`, when set) off the main thread: a blob in a local file, or
 * a layer in an engine's own store, put back together from its tar-split record and its directory.
 */
export interface IndexJob {
  /** `chunks`: the bytes come from the main thread (a download), pulled by the worker a few at a time. */
  read: { kind: 'range'; path: string; offset: number; size: number } | ({ kind: 'engine' } & TarSplitLayer) | { kind: 'chunks' };
  where: string;
  copyTo: string | null;
  /** For a `range` job whose layer was scanned already: verify it against the scan, without parsing it again. */
  scanned?: ScannedLayout;
}

/** A layer to be scanned from its tar headers alone, off the main thread (see scan-headers.ts). */
export interface ScanJob {
  scan: { kind: 'range'; path: string; offset: number; size: number } | ({ kind: 'engine' } & TarSplitLayer);
  where: string;
}

/** A job as posted: its id names the replies that belong to it (a worker may hold several, in order). */
export interface PostedJob {
  id: number;
  job: IndexJob | ScanJob;
}

/** For a `chunks` job: the next bytes, the end, or why there are no more (the download failed). */
export type ChunkMessage = { id: number } & ({ kind: 'chunk'; data: Uint8Array } | { kind: 'end' } | { kind: 'abort'; message: string; userError: boolean });

/** How many chunks a worker asks for ahead of what it is working on: enough to keep a download flowing. */
export const CHUNKS_AHEAD = 4;


/** What a worker says about one job: progress while it reads, then the result or the error. */
export type IndexReply = { id: number } & (
  | { kind: 'progress'; bytes: number }
  | { kind: 'pull' }
  | {
      kind: 'done';
      compression: Compression;
      blobDigest: string;
      blobBytes: number;
      diffId: string;
      /** The encoded index; null for a scanned job, whose index is the scan's and `verified` fills its digests. */
      index: Uint8Array | null;
      verified?: { heads: Uint8Array; skeleton: string };
    }
  /** A scan's answer: the encoded index (its digests pending), and for a plain tar its layout; null where it can't be scanned. */
  | { kind: 'scanned'; index: Uint8Array; layout: ScannedLayout | null }
  | { kind: 'unscannable' }
  | { kind: 'failed'; message: string; userError: boolean }
);

export type IndexedInWorker = Omit<Extract<IndexReply, { kind: 'done' }>, 'kind' | 'id'>;
export type ScannedInWorker = Omit<Extract<IndexReply, { kind: 'scanned' }>, 'kind' | 'id'> | null;

/**
 * Below this a blob is read in place: a worker costs ~30 ms to start, which a small layer never repays.
 * Above it, layers are read two at a time on both cores instead of one after the other on one.
 */
export const WORKER_MIN_BYTES = 16 << 20;

/** The bundled worker script, wherever this module runs from (the bundle, tsc's output, or the sources under test). */
function workerScript(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['index-worker.mjs', '../index-worker.mjs', '../dist/index-worker.mjs']) {
    const file = path.join(here, rel);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** A worker, how many posted jobs it has not finished, and how many bytes they read. */
interface PoolWorker {
  worker: Worker;
  pending: number;
  pendingBytes: number;
  /** Set while it has nothing to do: it is ended when this fires (see RETIRE_IDLE_MS). */
  retiring: NodeJS.Timeout | null;
}

/**
 * An idle worker is ended after this long: its heap (tens of MB once it has indexed a big layer) would
 * otherwise stay resident beside the main thread's, which peaks as an open ends (the last layers stacked,
 * the figures made) after the workers are done: ~40-70 MB of a 505k-entry first open's peak. Long enough
 * that a layer queued right after another reuses the worker; a later open starts new ones (~40 ms).
 */
const RETIRE_IDLE_MS = 50;

/**
 * Jobs go to the least busy worker at once, queued behind its current one if it has one: a worker that
 * finishes a layer starts the next without waiting for the main thread (which may be busy stacking the
 * layer before) to hand it over.
 */
class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;

  constructor(
    private readonly script: string,
    private readonly max: number,
  ) {}

  /** The idle worker, else a new one while there is room, else the one with the fewest bytes still to read. */
  private pick(): PoolWorker {
    const free = this.workers.reduce<PoolWorker | null>((best, w) => (best === null || w.pendingBytes < best.pendingBytes ? w : best), null);
    if (free && (free.pending === 0 || this.workers.length === this.max)) return free;
    // A worker allocates fast (chunks, names) and V8 would grow its young generation to ~48 MB for it;
    // 12 MB cost no CPU that the bench can see and took 60-90 MB off a 505k-entry first open's peak, and
    // 6 MB takes ~8 MB more off the 1 GB one (138 → 129 MB) in the same time and CPU (also at 505k entries,
    // with gzip layers, through an engine's store, and for the first look's scans).
    const added: PoolWorker = { worker: new (nodeWorkerThreads().Worker)(this.script, { resourceLimits: { maxYoungGenerationSizeMb: 6 } }), pending: 0, pendingBytes: 0, retiring: null };
    this.workers.push(added);
    return added;
  }

  /** How many worker threads there can be at once. */
  get capacity(): number {
    return this.max;
  }

  /** How many worker threads are alive (busy, or idle and not yet ended). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Ends every idle worker now, not RETIRE_IDLE_MS later: for when no more jobs are coming and this thread
   * is about to work for a while (stacking a layer), so its timers would not run until it is done.
   */
  retireIdle(): void {
    for (const w of [...this.workers]) this.retire(w);
  }

  /** Ends an idle worker; the next job starts a new one. */
  private retire(w: PoolWorker): void {
    if (w.pending === 0) this.drop(w);
  }

  /** Takes a worker out of the pool and ends it (idle, or crashed). */
  private drop(w: PoolWorker): void {
    if (w.retiring) clearTimeout(w.retiring);
    w.retiring = null;
    const at = this.workers.indexOf(w);
    if (at === -1) return;
    this.workers.splice(at, 1);
    void w.worker.terminate();
  }

  /**
   * Runs a job on the least loaded worker; `bytes` is about how much it reads (to balance the two). For a
   * `chunks` job, `chunks` is where its bytes come from: read only as the worker asks, so a layer queued
   * behind another is not downloaded into memory before the worker gets to it.
   */
  run(job: IndexJob, bytes: number, onProgress?: (bytes: number) => void, chunks?: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<IndexedInWorker> {
    return this.post(job, bytes, onProgress, chunks).then((m) => {
      if (m.kind !== 'done') throw new Error(`index worker: answered ${m.kind} to an index job`);
      const { kind: _kind, id: _id, ...indexed } = m;
      return indexed;
    });
  }

  /** Scans a layer's tar headers on a worker (see ScanJob); null where it can't be scanned. */
  scan(job: ScanJob, bytes: number): Promise<ScannedInWorker> {
    return this.post(job, bytes).then((m) => {
      if (m.kind === 'unscannable') return null;
      if (m.kind !== 'scanned') throw new Error(`index worker: answered ${m.kind} to a scan job`);
      return { index: m.index, layout: m.layout };
    });
  }

  private post(job: IndexJob | ScanJob, bytes: number, onProgress?: (bytes: number) => void, chunks?: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<Exclude<IndexReply, { kind: 'progress' | 'pull' | 'failed' }>> {
    const w = this.pick();
    const id = this.nextId++;
    // A worker with nothing to do must not keep the process alive.
    if (w.pending++ === 0) w.worker.ref();
    if (w.retiring) clearTimeout(w.retiring);
    w.retiring = null;
    w.pendingBytes += bytes;
    const source = chunks ? (Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Buffer>)[Symbol.iterator]()) : null;
    // Pulls are answered one after another, in order: the worker's bytes arrive as the source gave them.
    let pulling = Promise.resolve();
    let ended = false;
    const pull = () => {
      pulling = pulling.then(async () => {
        if (ended || !source) return;
        try {
          // One chunk a pull: a source that reads sockets hands over batches of its own (the registry
          // client's are ~1 MiB), so a message carries a batch, not a packet.
          const next = await source.next();
          if (ended) return;
          if (next.done) {
            ended = true;
            w.worker.postMessage({ id, kind: 'end' } satisfies ChunkMessage);
            return;
          }
          const chunk = next.value;
          // Handed over whole where the chunk owns its memory; else a copy the worker can own (a slice of
          // a pooled buffer shares its memory with others).
          const owned = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length && !(chunk.buffer instanceof SharedArrayBuffer);
          const data = owned ? chunk : new Uint8Array(chunk);
          w.worker.postMessage({ id, kind: 'chunk', data } satisfies ChunkMessage, [data.buffer as ArrayBuffer]);
        } catch (e) {
          if (ended) return;
          ended = true;
          w.worker.postMessage({ id, kind: 'abort', message: (e as Error).message ?? String(e), userError: e instanceof FathomError } satisfies ChunkMessage);
        }
      });
    };
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (source && !ended) {
          ended = true;
          void source.return?.();
        }
        w.worker.off('message', onMessage);
        w.worker.off('error', onError);
        w.pendingBytes -= bytes;
        if (--w.pending === 0) {
          w.worker.unref();
          w.retiring = setTimeout(() => this.retire(w), RETIRE_IDLE_MS).unref();
        }
      };
      const onMessage = (m: IndexReply) => {
        if (m.id !== id) return;
        if (m.kind === 'progress') return onProgress?.(m.bytes);
        if (m.kind === 'pull') return pull();
        settle();
        if (m.kind === 'failed') return reject(m.userError ? new FathomError(m.message) : new Error(m.message));
        resolve(m);
      };
      const onError = (e: Error) => {
        // A worker that crashed fails every job it held, and is not reused.
        settle();
        this.drop(w);
        reject(e);
      };
      w.worker.on('message', onMessage);
      w.worker.on('error', onError);
      w.worker.postMessage({ id, job } satisfies PostedJob);
    });
  }
}

let pool: WorkerPool | null | undefined;

/** The shared pool, one worker per core, at most two. */
export function indexWorkers(): WorkerPool | null {
  if (pool === undefined) {
    const script = workerScript();
    pool = script ? new WorkerPool(script, Math.max(1, Math.min(2, os.availableParallelism()))) : null;
  }
  return pool;
}
