// A worker thread that reads and indexes one layer blob at a time (see index-workers.ts).
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FathomError, isFathomError } from '../src/errors.js';
import { indexLayerStream } from '../src/layer/index-layer.js';
import { sniffCompression } from '../src/layer/compression.js';
import { encodeIndex } from './index-codec.js';
import { verifyScanned } from '../src/layer/scanned-layout.js';
import { assembleLayerTar } from '../src/layer/tar-split.js';
import { CHUNKS_AHEAD, type ChunkMessage, type IndexJob, type IndexReply, type PostedJob, type ScanJob } from './index-workers.js';
import { scanLayerHeaders, scanTarSplitLayer } from '../src/layer/scan-headers.js';
import { writeAll } from './write-all.js';

const PROGRESS_EVERY_BYTES = 4 << 20;

/**
 * A plain tar is read in pieces small enough to stay in the core's cache while they are hashed (the diff
 * ID), parsed and their files' heads hashed again: with 4 MB pieces, which go out to memory between those
 * passes, a 1 GB first open took ~3 % more CPU and peaked ~13 MB higher (two 4 MB buffers and a 4 MB
 * assembly chunk). A compressed blob is read in big pieces (its inflater's output is what the passes see).
 */
const PLAIN_READ_BYTES = 256 << 10;
const COMPRESSED_READ_BYTES = 4 << 20;

/** The blob's bytes, read as its first bytes say: a plain tar one way, a compressed blob another. Opened when first asked. */
async function* readRange(file: string, offset: number, size: number): AsyncIterable<Buffer> {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    const got = fs.readSync(fd, magic, 0, Math.min(4, size), offset);
    const compression = sniffCompression(magic.subarray(0, got));
    yield* compression === 'none' ? readPlain(fd, offset, size) : readCompressed(fd, offset, size, compression === 'gzip');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A plain tar's bytes, read synchronously into one buffer: this thread has nothing else to do, and an
 * asynchronous read per piece would leave it idle for a thread-pool round trip between pieces (reading
 * ahead on the thread pool instead was measured slower: a round trip per 256 KB costs what the copy
 * does). It is hashed and parsed as each piece arrives, and nothing keeps its bytes (PAX records and
 * header fields are copied out), so one buffer serves every read: a fresh buffer per read costs more in
 * page faults than the copy itself.
 */
function* readPlain(fd: number, offset: number, size: number): Iterable<Buffer> {
  const piece = Buffer.allocUnsafe(Math.min(PLAIN_READ_BYTES, size));
  for (let done = 0; done < size; ) {
    const got = fs.readSync(fd, piece, 0, Math.min(piece.length, size - done), offset + done);
    if (got === 0) break; // the file is shorter than its manifest says: the indexer reports the truncation
    done += got;
    yield got === piece.length ? piece : piece.subarray(0, got);
  }
}

/**
 * A compressed blob's bytes, in big pieces (its inflater's output is what the passes see), each read on
 * the thread pool while the one before it is hashed and inflated. A gzip stream has consumed a piece once
 * its write is done (see compression.ts), so two buffers take turns: a buffer is filled again once the
 * piece after it has been asked for. A zstd stream may keep a piece's tail for its next block: its pieces
 * are fresh. (The ~1 GB bench image with gzip layers: ~2 % off the open, ~4 % of its CPU.)
 */
async function* readCompressed(fd: number, offset: number, size: number, reuse: boolean): AsyncIterable<Buffer> {
  const buffers = reuse ? [Buffer.allocUnsafeSlow(COMPRESSED_READ_BYTES), Buffer.allocUnsafeSlow(COMPRESSED_READ_BYTES)] : null;
  const readAt = (into: Buffer, done: number) =>
    new Promise<{ into: Buffer; got: number }>((resolve, reject) => {
      fs.read(fd, into, 0, Math.min(into.length, size - done), offset + done, (e, got) => (e ? reject(e) : resolve({ into, got })));
    });
  const bufferFor = (turn: number) => (buffers ? buffers[turn] : Buffer.allocUnsafe(COMPRESSED_READ_BYTES));
  let turn = 0;
  let pending: Promise<{ into: Buffer; got: number }> | null = size > 0 ? readAt(bufferFor(turn), 0) : null;
  try {
    for (let done = 0; pending; ) {
      const { into, got } = await pending;
      pending = null;
      if (got === 0) break; // the file is shorter than its manifest says: the indexer reports the truncation
      done += got;
      turn = 1 - turn;
      if (done < size) pending = readAt(bufferFor(turn), done);
      yield got === into.length ? into : into.subarray(0, got);
    }
  } finally {
    // A read still in flight must land before its file is closed (by readRange).
    await pending?.catch(() => {});
  }
}

/** Chunks the main thread sends for job `id` (a download), asked for a few ahead of what is being worked on. */
const inboxes = new Map<number, { chunks: ChunkMessage[]; wake: (() => void) | null }>();

async function* pulledChunks(id: number): AsyncIterable<Buffer> {
  const inbox = { chunks: [] as ChunkMessage[], wake: null as (() => void) | null };
  inboxes.set(id, inbox);
  try {
    for (let i = 0; i < CHUNKS_AHEAD; i++) parentPort!.postMessage({ id, kind: 'pull' } satisfies IndexReply);
    for (;;) {
      while (inbox.chunks.length === 0) await new Promise<void>((r) => (inbox.wake = r));
      const m = inbox.chunks.shift()!;
      if (m.kind === 'end') return;
      if (m.kind === 'abort') throw m.userError ? new FathomError(m.message) : new Error(m.message);
      parentPort!.postMessage({ id, kind: 'pull' } satisfies IndexReply);
      yield Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    }
  } finally {
    inboxes.delete(id);
  }
}

/** A scan job: the layer's index from its headers alone, encoded, with its layout (see scan-headers.ts). */
function scanJob(id: number, job: ScanJob): IndexReply {
  const read = job.scan;
  if (read.kind === 'engine') {
    const index = scanTarSplitLayer(read, job.where);
    return { id, kind: 'scanned', index: encodeIndex(index, ''), layout: null };
  }
  const scanned = scanLayerHeaders(read.path, read.offset, read.size, job.where);
  if (!scanned) return { id, kind: 'unscannable' };
  return { id, kind: 'scanned', index: encodeIndex(scanned.index, ''), layout: scanned.layout };
}

async function indexJob(id: number, job: IndexJob): Promise<IndexReply> {
  const read = job.read;
  // The assembler reuses one chunk buffer too: the tar is plain, hashed and parsed as each chunk arrives.
  const input = read.kind === 'range' ? readRange(read.path, read.offset, read.size) : read.kind === 'chunks' ? pulledChunks(id) : assembleLayerTar(read, job.where);
  const copyFd = job.copyTo ? fs.openSync(job.copyTo, 'w') : null;
  let reported = 0;
  const onProgress = (bytes: number) => {
    if (bytes - reported < PROGRESS_EVERY_BYTES) return;
    reported = bytes;
    parentPort!.postMessage({ id, kind: 'progress', bytes } satisfies IndexReply);
  };
  try {
    if (job.scanned) {
      const copied = copyFd === null ? input : copying(input, copyFd);
      const v = await verifyScanned(copied, job.scanned, onProgress);
      return { id, kind: 'done', compression: 'none', blobDigest: v.blobDigest, blobBytes: v.blobBytes, diffId: v.blobDigest, index: null, verified: { heads: v.heads, skeleton: v.skeleton } };
    }
    const indexed = await indexLayerStream(input, {
      where: job.where,
      fullDigests: 'compressed', // the store reads a plain layer back by offset (see HEAD_BYTES)
      onBlobChunk: copyFd === null ? undefined : (chunk) => writeAll(copyFd, chunk),
      onProgress,
    });
    const { compression, blobDigest, blobBytes, diffId } = indexed;
    return { id, kind: 'done', compression, blobDigest, blobBytes, diffId, index: encodeIndex(indexed.index, diffId) };
  } finally {
    if (copyFd !== null) fs.closeSync(copyFd);
  }
}

/** The chunks, each written to `fd` as it passes (--copy-blobs). */
async function* copying(input: AsyncIterable<Buffer> | Iterable<Buffer>, fd: number): AsyncIterable<Buffer> {
  for await (const chunk of input) {
    writeAll(fd, chunk);
    yield chunk;
  }
}

// Jobs run one after another, in the order they were posted; chunks go to the job that asked for them.
let queue = Promise.resolve();
parentPort!.on('message', (posted: PostedJob | ChunkMessage) => {
  if ('kind' in posted) {
    const inbox = inboxes.get(posted.id);
    if (!inbox) return; // the job already failed: what was still on its way is dropped
    inbox.chunks.push(posted);
    inbox.wake?.();
    inbox.wake = null;
    return;
  }
  const { id, job } = posted;
  queue = queue.then(() =>
    ('scan' in job ? Promise.resolve().then(() => scanJob(id, job)) : indexJob(id, job)).then(
      // Copied, not transferred: a small index may share an ArrayBuffer with Node's buffer pool.
      (reply) => parentPort!.postMessage(reply),
      (e: unknown) => parentPort!.postMessage({ id: posted.id, kind: 'failed', message: (e as Error).message ?? String(e), userError: isFathomError(e) } satisfies IndexReply),
    ),
  );
});
