import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { indexLayerStream } from '../../src/layer/index-layer.js';
import { layerTar, sha256 } from '../helpers/layers.js';

/** A zstd frame of raw blocks, written by hand: its window descriptor says what a decoder must allocate. */
function zstdFrame(data: Buffer, windowLog: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])];
  const blockMax = 128 << 10;
  for (let at = 0; at < data.length || at === 0; at += blockMax) {
    const block = data.subarray(at, at + blockMax);
    const last = at + blockMax >= data.length ? 1 : 0;
    const header = last | (block.length << 3); // type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
    if (last) break;
  }
  return Buffer.concat(parts);
}

const skippable = (payload: Buffer) => Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18]), Buffer.from(Uint32Array.of(payload.length).buffer), payload]);

describe('zstd layers within a fixed memory bound, as zstd -d reads them', () => {
  it('a frame asking for a 1 GiB window (zstd --long=30) is refused before anything is allocated', async () => {
    const tar = await layerTar([{ file: 'a.txt', content: 'hello' }]);
    const before = process.memoryUsage().rss;
    await expect(indexLayerStream(Readable.from([zstdFrame(tar, 30)]), { where: 'layer 2' })).rejects.toThrow(
      'layer 2: zstd frame needs a 1024 MiB window, over the 128 MiB that zstd -d allows by default (made with --long?)',
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(256 << 20);
  });

  it('a window at the limit opens, split across chunks anywhere', async () => {
    const tar = await layerTar([{ file: 'a.txt', content: 'x'.repeat(300_000) }]);
    const blob = zstdFrame(tar, 27);
    const chunks = [blob.subarray(0, 3), blob.subarray(3, 7), blob.subarray(7, 131_000), blob.subarray(131_000)];
    const indexed = await indexLayerStream(Readable.from(chunks), { where: 'layer 0' });
    expect(indexed.compression).toBe('zstd');
    expect(indexed.diffId).toBe(sha256(tar));
  });

  it('a blob that starts with a skippable frame opens, as zstd -d accepts it', async () => {
    const tar = await layerTar([{ file: 'b.txt', content: 'skip me' }]);
    const indexed = await indexLayerStream(Readable.from([Buffer.concat([skippable(Buffer.from('metadata')), zstdFrame(tar, 20)])]), { where: 'layer 0' });
    expect(indexed.compression).toBe('zstd');
    expect(indexed.diffId).toBe(sha256(tar));
    expect(indexed.index.paths).toEqual(['b.txt']);
  });

  it('a second frame with a huge window is caught too', async () => {
    const tar = await layerTar([{ file: 'c.txt', content: 'two frames' }]);
    const blob = Buffer.concat([zstdFrame(tar.subarray(0, 512), 20), zstdFrame(tar.subarray(512), 31)]);
    await expect(indexLayerStream(Readable.from([blob]), { where: 'layer 1' })).rejects.toThrow(/layer 1: zstd frame needs a 2048 MiB window/);
  });
});
