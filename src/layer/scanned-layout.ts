import { createHash, hash as hashOnce } from 'node:crypto';
import { CONTENT_HASH_BYTES, HEAD_BYTES, type LayerIndex } from '../../store/layer-index.js';
import { paddedSize } from '../tar/header.js';

/**
 * A plain layer tar as its header scan found it (scan-headers.ts): where each entry's data lies, and a
 * digest of every byte the scan read outside the data. The layer is then verified without being parsed a
 * second time: one pass hashes it whole (the diff ID), takes the head digest of each file from the data
 * regions, and hashes the bytes outside them again. Equal skeleton digests mean the headers the index was
 * built from are the bytes the diff ID covers, even if the file changed between the scan and the pass.
 */
export interface ScannedLayout {
  /** Per data region, in tar order: where it starts, how many content bytes, and the index entry (a regular file) that needs its head digest, or -1. */
  starts: Float64Array;
  sizes: Float64Array;
  entries: Int32Array;
  /** The scan read everything outside the regions up to here; `skeleton` is the sha256 of those bytes. */
  skeletonEnd: number;
  skeleton: string;
  /** Entries in the index. */
  count: number;
}

/** A layer's header scan: its index (content digests pending) and, for a plain tar in a file, its layout to verify it by. */
export interface ScannedLayer {
  index: LayerIndex;
  /** Null for a layer scanned from an engine's tar-split record: the store reads and verifies it as ever. */
  layout: ScannedLayout | null;
}

/** Regions as a scan finds them (growing), or as a layout holds them. */
interface Regions {
  readonly length: number;
  start(r: number): number;
  size(r: number): number;
}

/** Regions reach past their content to the block boundary: padding is never read by a scan. */
const regionEnd = (regions: Regions, r: number) => regions.start(r) + paddedSize(regions.size(r));

/** Hashes the bytes outside the regions, fed in order of position (with gaps only inside regions). */
export class SkeletonHash {
  private readonly hash = createHash('sha256');
  private r = 0;
  /** Everything before this has been considered. */
  end = 0;

  constructor(private readonly regions: Regions) {}

  take(chunk: Buffer, at: number): void {
    const stop = at + chunk.length;
    let p = Math.max(at, this.end);
    while (p < stop) {
      while (this.r < this.regions.length && regionEnd(this.regions, this.r) <= p) this.r++;
      if (this.r < this.regions.length && this.regions.start(this.r) <= p) {
        p = Math.min(stop, regionEnd(this.regions, this.r));
        continue;
      }
      const upTo = this.r < this.regions.length ? Math.min(stop, this.regions.start(this.r)) : stop;
      this.hash.update(chunk.subarray(p - at, upTo - at));
      p = upTo;
    }
    this.end = Math.max(this.end, stop);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** The regions a scan finds, as it finds them. */
export class RegionList implements Regions {
  private readonly startsList: number[] = [];
  private readonly sizesList: number[] = [];
  private readonly entriesList: number[] = [];

  get length(): number {
    return this.startsList.length;
  }

  start(r: number): number {
    return this.startsList[r];
  }

  size(r: number): number {
    return this.sizesList[r];
  }

  add(start: number, size: number, entry: number): void {
    this.startsList.push(start);
    this.sizesList.push(size);
    this.entriesList.push(entry);
  }

  layout(skeletonEnd: number, skeleton: string, count: number): ScannedLayout {
    return { starts: Float64Array.from(this.startsList), sizes: Float64Array.from(this.sizesList), entries: Int32Array.from(this.entriesList), skeletonEnd, skeleton, count };
  }
}

function layoutRegions(layout: ScannedLayout): Regions {
  return { length: layout.starts.length, start: (r) => layout.starts[r], size: (r) => layout.sizes[r] };
}

export interface VerifiedLayout {
  blobDigest: string;
  blobBytes: number;
  /** CONTENT_HASH_BYTES per index entry: the head digest of each regular file, zero for the rest. */
  heads: Buffer;
  skeleton: string;
}

/** One pass over a scanned layer's bytes: its digest, its files' head digests, its skeleton digest. */
export async function verifyScanned(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, layout: ScannedLayout, onProgress?: (bytes: number) => void): Promise<VerifiedLayout> {
  const whole = createHash('sha256');
  const regions = layoutRegions(layout);
  const skeleton = new SkeletonHash(regions);
  const heads = Buffer.alloc(layout.count * CONTENT_HASH_BYTES);
  const setHead = (entry: number, digest: Buffer) => digest.copy(heads, entry * CONTENT_HASH_BYTES, 0, CONTENT_HASH_BYTES);
  // The file whose head is being read across chunks, if any.
  let open: { entry: number; hash: ReturnType<typeof createHash>; end: number } | null = null;
  let r = 0;
  let at = 0;
  for await (const chunk of chunks) {
    whole.update(chunk);
    const stop = at + chunk.length;
    skeleton.take(chunk.subarray(0, Math.max(0, Math.min(chunk.length, layout.skeletonEnd - at))), at);
    if (open) {
      const upTo = Math.min(stop, open.end);
      open.hash.update(chunk.subarray(0, upTo - at));
      if (upTo === open.end) {
        setHead(open.entry, open.hash.digest());
        open = null;
      }
    }
    while (!open && r < layout.starts.length && layout.starts[r] < stop) {
      const entry = layout.entries[r];
      const start = layout.starts[r];
      const end = start + Math.min(layout.sizes[r], HEAD_BYTES);
      r++;
      if (entry < 0 || start < at) continue;
      if (end <= stop) setHead(entry, hashOnce('sha256', chunk.subarray(start - at, end - at), 'buffer') as unknown as Buffer);
      else open = { entry, hash: createHash('sha256').update(chunk.subarray(start - at)), end };
    }
    at = stop;
    onProgress?.(at);
  }
  // A layer that ends inside a file has the wrong digest: the store refuses it on that.
  return { blobDigest: `sha256:${whole.digest('hex')}`, blobBytes: at, heads, skeleton: skeleton.digest() };
}
