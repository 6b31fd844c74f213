import { createHash } from 'node:crypto';
import { FathomError } from '../errors.js';
import type { LayerStore } from '../../store/store.js';
import { createDecompressor } from './compression.js';

/** Stops the blob read once the wanted bytes are in hand. */
class Enough extends Error {}

/** Copies the bytes `offset..offset+length` of a tar out of its chunks as they pass, in order. */
class RangeCopy {
  readonly out: Buffer;
  filled = 0;
  private position = 0;

  constructor(
    private readonly offset: number,
    length: number,
  ) {
    this.out = Buffer.alloc(length);
  }

  take(chunk: Buffer): void {
    const start = Math.max(this.offset - this.position, 0);
    const end = Math.min(chunk.length, this.offset + this.out.length - this.position);
    if (start < end) {
      chunk.copy(this.out, this.filled, start, end);
      this.filled += end - start;
    }
    this.position += chunk.length;
  }

  get done(): boolean {
    return this.filled === this.out.length;
  }

  get bytes(): Buffer {
    return this.out.subarray(0, this.filled);
  }
}

/**
 * Reads up to `max` bytes of one file's content out of a stored layer: `offset` is where the content
 * starts in the uncompressed tar (the index keeps it). Compressed blobs are decompressed up to there.
 */
export async function readEntryContent(store: LayerStore, diffId: string, offset: number, size: number, max = size): Promise<Buffer> {
  const want = Math.min(size, max);
  if (want === 0) return Buffer.alloc(0);
  const direct = store.readPlainRange(diffId, offset, want);
  if (direct) return direct;
  const { stream, compression } = store.openBlob(diffId);
  const range = new RangeCopy(offset, want);
  const take = (chunk: Buffer) => {
    range.take(chunk);
    if (range.done) throw new Enough();
  };
  const decompressor = createDecompressor(compression, take, `layer ${diffId}`);
  try {
    for await (const chunk of stream) await decompressor.push(chunk);
    await decompressor.finish();
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  return range.bytes;
}

/**
 * One file's bytes, read in a pass over its whole layer whose digest must still be the layer's diff ID:
 * how a big file whose whole digest was never taken (see HEAD_BYTES) is checked before it is used.
 */
export async function readEntryInVerifiedLayer(store: LayerStore, diffId: string, offset: number, size: number): Promise<Buffer> {
  const { stream, compression } = store.openBlob(diffId);
  const tarHash = createHash('sha256');
  const range = new RangeCopy(offset, size);
  const take = (chunk: Buffer) => {
    tarHash.update(chunk);
    range.take(chunk);
  };
  const decompressor = createDecompressor(compression, take, `layer ${diffId}`);
  for await (const chunk of stream) await decompressor.push(chunk);
  await decompressor.finish();
  if (`sha256:${tarHash.digest('hex')}` !== diffId) {
    throw new FathomError(`layer ${diffId}: its bytes are not the ones read when the image was opened (the archive changed since): open the image again from its source`);
  }
  return range.bytes;
}
