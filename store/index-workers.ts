import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FathomError } from '../src/errors.js';
import type { Compression } from '../src/layer/compression.js';

/** A layer blob in a local file, to be indexed (and copied to `copyTo`, when set) off the main thread. */
export interface IndexJob {
  path: string;
  offset: number;
  size: number;
  where: string;
  copyTo: string | null;
}

/** What a worker says: progress while it reads, then the result or the error. */
export type IndexReply =
  | { kind: 'progress'; bytes: number }
  | { kind: 'done'; compression: Compression; blobDigest: string; blobBytes: number; diffId: string; index: Uint8Array }
  | { kind: 'failed'; message: string; userError: boolean };

export type IndexedInWorker = Omit<Extract<IndexReply, { kind: 'done' }>, 'kind'>;

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

class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private live = 0;

  constructor(
    private readonly script: string,
    private readonly max: number,
  ) {}

  private acquire(): Promise<Worker> {
    const idle = this.idle.pop();
    if (idle) {
      idle.ref();
      return Promise.resolve(idle);
    }
    if (this.live < this.max) {
      this.live++;
      return Promise.resolve(new Worker(this.script));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) return next(w);
    // An idle worker must not keep the process alive.
    w.unref();
    this.idle.push(w);
  }

  async run(job: IndexJob, onProgress?: (bytes: number) => void): Promise<IndexedInWorker> {
    const w = await this.acquire();
    return new Promise((resolve, reject) => {
      const done = () => {
        w.off('message', onMessage);
        w.off('error', onError);
      };
      const onMessage = (m: IndexReply) => {
        if (m.kind === 'progress') return onProgress?.(m.bytes);
        done();
        this.release(w);
        if (m.kind === 'failed') reject(m.userError ? new FathomError(m.message) : new Error(m.message));
        else resolve(m);
      };
      const onError = (e: Error) => {
        // A worker that crashed is not reused.
        done();
        this.live--;
        void w.terminate();
        reject(e);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.postMessage(job);
    });
  }
}

let pool: WorkerPool | null | undefined;

/** The shared pool, one worker per core (at most two are ever busy: ingest reads two layers at a time). */
export function indexWorkers(): WorkerPool | null {
  if (pool === undefined) {
    const script = workerScript();
    pool = script ? new WorkerPool(script, Math.max(1, Math.min(2, os.availableParallelism()))) : null;
  }
  return pool;
}
