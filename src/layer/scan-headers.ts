import fs from 'node:fs';
import { FathomError } from '../errors.js';
import { LayerIndexBuilder, type LayerIndex } from '../../store/layer-index.js';
import { readLayerFileAt, tarSplitRecords, type TarSplitLayer } from './tar-split.js';
import { TarStreamParser } from '../tar/stream-parser.js';
import { LayerWritePaths } from './write-through.js';
import { sniffCompression } from './compression.js';
import { visitEntry } from './index-layer.js';
import { RegionList, SkeletonHash, type ScannedLayer } from './scanned-layout.js';
import { EntryKind } from '../model/entry.js';

/** How much is read at a time: a window of headers and the small files between them. */
const WINDOW_BYTES = 64 << 10;
/**
 * After a file this big, only this much is read at the next header: files of one layer tend to be of a
 * size, and for files of tens of KB a 64 KB window reads their contents too. The ~1 GB bench image's
 * 475 MB layer (10k files of ~47 KB) was read whole that way, 124 ms of a first look's 280.
 */
const BIG_ENTRY_BYTES = 16 << 10;
const HEADER_WINDOW_BYTES = 4 << 10;

/**
 * A plain layer tar in a local file, indexed from its headers alone: content is seeked past, never read,
 * and nothing is hashed, so a first look at a big image costs what `tar -t` does. The index it gives is
 * the one the layer's full read gives (the same parser and the same entry rules), but unverified and
 * without content digests: those are taken from the file when a comparison first needs one. Null for a
 * compressed layer (its headers can't be reached without inflating it).
 */
export function scanLayerHeaders(file: string, offset: number, size: number, where: string): ScannedLayer | null {
  return toTheEnd(headerScanSteps(file, offset, size, where));
}

/** How long a scan made on the main thread runs before it lets the event loop turn (worker replies, signals). */
const SLICE_MS = 12;

/**
 * `scanLayerHeaders` made on this thread in slices (see inSlices): for the main thread, which scans a
 * layer of a first look beside the workers (see LayerScans in open-image.ts).
 */
export function scanLayerHeadersHere(file: string, offset: number, size: number, where: string, sliceMs = SLICE_MS): Promise<ScannedLayer | null> {
  return inSlices(headerScanSteps(file, offset, size, where), sliceMs);
}

/** A scan's steps, run one after another. */
function toTheEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * A scan's steps, run in slices of `sliceMs` with the event loop turning between them, and before the
 * first: the caller may have more to hand out first (the other layers' scans, to workers yet to start).
 */
async function inSlices<T>(steps: Generator<void, T>, sliceMs: number): Promise<T> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  for (let sliceEnd = performance.now() + sliceMs; ; ) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() < sliceEnd) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceEnd = performance.now() + sliceMs;
  }
}

/** The scan itself, pausing after each window it reads: run to its end by either of the two above. */
function* headerScanSteps(file: string, offset: number, size: number, where: string): Generator<void, ScannedLayer | null> {
  const fd = fs.openSync(file, 'r');
  try {
    const window = Buffer.allocUnsafe(WINDOW_BYTES);
    const first = fs.readSync(fd, window, 0, Math.min(4, size), offset);
    if (first < 4 || sniffCompression(window.subarray(0, first)) !== 'none') return null;
    const builder = new LayerIndexBuilder();
    const placement = new LayerWritePaths(where);
    const regions = new RegionList();
    let lastEntryBytes = 0;
    const parser = new TarStreamParser((header, contentOffset) => {
      lastEntryBytes = header.size;
      const before = builder.size;
      visitEntry(builder, placement, header, contentOffset, where, 'none');
      const entry = builder.size > before && builder.kindOf(before) === EntryKind.file ? before : -1;
      if (header.size > 0) regions.add(contentOffset, header.size, entry);
      return null;
    }, where);
    const skeleton = new SkeletonHash(regions);
    let pos = 0;
    while (pos < size && !parser.ended) {
      pos += parser.skipUnread();
      if (pos >= size) break;
      const want = lastEntryBytes >= BIG_ENTRY_BYTES ? HEADER_WINDOW_BYTES : WINDOW_BYTES;
      const got = fs.readSync(fd, window, 0, Math.min(want, size - pos), offset + pos);
      if (got === 0) throw new FathomError(`${where}: the layer ends at byte ${pos} of ${size}`);
      parser.push(window.subarray(0, got));
      // After the push: every region that starts in this window is known (its header came first).
      skeleton.take(window.subarray(0, got), pos);
      pos += got;
      yield;
    }
    if (pos > size) throw new FathomError(`${where}: truncated tar stream (an entry runs past the layer's end)`);
    parser.end();
    const index = builder.build(size, { digestsPending: true });
    const layout = regions.layout(skeleton.end, skeleton.digest(), index.count);
    index.contentReader = fileContentReader(file, offset);
    return { index, layout };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A layer in an engine's own store, indexed from its tar-split record alone (its headers, kept by the
 * engine): no file in the layer's directory is read. Contents are read from the directory when a
 * comparison or a view needs them. The layer's verification (its tar put back together and hashed) is
 * the store's ordinary read of it.
 */
export function scanTarSplitLayer(layer: TarSplitLayer, where: string): LayerIndex {
  return toTheEnd(tarSplitScanSteps(layer, where));
}

/** `scanTarSplitLayer` made on this thread in slices, as `scanLayerHeadersHere`. */
export function scanTarSplitLayerHere(layer: TarSplitLayer, where: string, sliceMs = SLICE_MS): Promise<LayerIndex> {
  return inSlices(tarSplitScanSteps(layer, where), sliceMs);
}

/** The scan itself, pausing after each of the record's header segments. */
function* tarSplitScanSteps(layer: TarSplitLayer, where: string): Generator<void, LayerIndex> {
  const records = tarSplitRecords(layer.tarSplit, where);
  const builder = new LayerIndexBuilder();
  const placement = new LayerWritePaths(where);
  const parser = new TarStreamParser((header, contentOffset) => visitEntry(builder, placement, header, contentOffset, where, 'none'), where);
  let pos = 0;
  for (const r of records) {
    if (r.kind === 'segment') {
      parser.push(r.bytes);
      pos += r.bytes.length;
      yield;
      continue;
    }
    if (r.size === 0) continue;
    // The record's bytes stop where this file's content starts: the parser is inside it now.
    const skipped = parser.skipContent();
    if (skipped !== r.size) throw new FathomError(`${where}: the engine's tar-split record does not match its own headers (a file of ${r.size} bytes where the tar header says ${skipped})`);
    pos += r.size;
  }
  parser.end();
  const index = builder.build(pos, { digestsPending: true });
  index.contentReader = engineContentReader(layer, where);
  return index;
}

/** Reads a plain layer's bytes back from the local file it sits in (at `base`). */
export function fileContentReader(file: string, base: number): (at: number, length: number) => Buffer {
  return (at, length) => {
    const bytes = Buffer.allocUnsafe(length);
    const fd = fs.openSync(file, 'r');
    try {
      return bytes.subarray(0, fs.readSync(fd, bytes, 0, length, base + at));
    } finally {
      fs.closeSync(fd);
    }
  };
}

/** Reads an engine layer's file contents from its directory, by where they sit in the layer's tar. */
export function engineContentReader(layer: TarSplitLayer, where: string): (at: number, length: number) => Buffer {
  return (at, length) => readLayerFileAt(layer, at, length, where);
}
