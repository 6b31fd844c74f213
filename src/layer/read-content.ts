import { createHash } from 'node:crypto';
import { FathomError } from '../errors.js';
import type { LayerStore } from '../../store/store.js';
import { createDecompressor } from './compression.js';

/** Stops the blob read once the wanted bytes are in hand. */
class Enough extends Error {}

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
  const out = Buffer.alloc(want);
  let filled = 0;
  let position = 0;
  const take = (chunk: Buffer) => {
    const start = Math.max(offset - position, 0);
    const end = Math.min(chunk.length, offset + want - position);
    if (start < end) {
      chunk.copy(out, filled, start, end);
      filled += end - start;
    }
    position += chunk.length;
    if (filled === want) throw new Enough();
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
  return out.subarray(0, filled);
}

/**
 * One file's bytes, read in a pass over its whole layer whose digest must still be the layer's diff ID:
 * how a big file whose whole digest was never taken (see HEAD_BYTES) is checked before it is used.
 */
export async function readEntryInVerifiedLayer(store: LayerStore, diffId: string, offset: number, size: number): Promise<Buffer> {
  const { stream, compression } = store.openBlob(diffId);
  const tarHash = createHash('sha256');
  const out = Buffer.alloc(size);
  let filled = 0;
  let position = 0;
  const take = (chunk: Buffer) => {
    tarHash.update(chunk);
    const start = Math.max(offset - position, 0);
    const end = Math.min(chunk.length, offset + size - position);
    if (start < end) {
      chunk.copy(out, filled, start, end);
      filled += end - start;
    }
    position += chunk.length;
  };
  const decompressor = createDecompressor(compression, take, `layer ${diffId}`);
  for await (const chunk of stream) await decompressor.push(chunk);
  await decompressor.finish();
  if (`sha256:${tarHash.digest('hex')}` !== diffId) {
    throw new FathomError(`layer ${diffId}: its bytes are not the ones read when the image was opened (the archive changed since): open the image again from its source`);
  }
  return out.subarray(0, filled);
}
