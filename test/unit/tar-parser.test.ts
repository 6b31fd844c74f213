import { isUtf8 } from 'node:buffer';
import { decodeName, encodeName } from '../../src/tar/name-bytes.js';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { indexLayerStream, PlainLayerIndexer } from '../../src/layer/index-layer.js';
import { FathomError } from '../../src/errors.js';
import { IMAGES, dockerSaveLayers } from '../helpers/fixtures.js';
import { encodeIndex } from '../../store/index-codec.js';
import { TarStreamParser } from '../../src/tar/stream-parser.js';
import { layerTar, sha256 } from '../helpers/layers.js';

async function packRaw(headers: tar.Header[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const h of headers) pack.entry(h, h.type === 'file' || !h.type ? 'data' : undefined);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const read = (buf: Buffer, chunk = 7) => {
  // Feed in awkward chunk sizes so headers straddle chunk boundaries.
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return indexLayerStream(Readable.from(parts), { where: 'layer.tar' });
};

describe('layer tar reading', () => {
  it('reads PAX long names, long link targets, big uids and negative mtimes', async () => {
    const long = `long/${'n'.repeat(250)}/${'m'.repeat(120)}`;
    const buf = await packRaw([
      { name: long, mode: 0o644, pax: { mtime: '-300000000.5' } },
      { name: 'ln', type: 'symlink', linkname: `/${'t'.repeat(300)}` },
      { name: 'owner', mode: 0o600, pax: { uid: '3000000', gid: '3000001' } },
    ]);
    const { index, diffId } = await read(buf);
    expect(diffId).toBe(sha256(buf));
    expect(index.paths).toEqual([long, 'ln', 'owner']);
    expect(index.links.get(1)).toBe(`/${'t'.repeat(300)}`);
    expect(index.uids[2]).toBe(3000000);
    expect(index.gids[2]).toBe(3000001);
    expect(index.mtimes[0]).toBe(-300000000.5);
  });

  it('checks header checksums the same wherever the bytes sit in memory (word-aligned, not, or split)', async () => {
    // Owner names with bytes over 127: there an unsigned sum and a signed one differ.
    const buf = await packRaw([
      { name: 'etc', type: 'directory', uname: 'rööt' },
      { name: 'etc/hostname', uname: 'ünï', gname: 'grüp' },
      { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' },
    ]);
    const unaligned = Buffer.alloc(buf.length + 1).subarray(1);
    buf.copy(unaligned);
    const whole = (b: Buffer) => indexLayerStream(Readable.from([b]), { where: 'layer.tar' });
    const expected = (await whole(buf)).index;
    for (const got of [await whole(unaligned), await read(buf), await read(buf, 512 * 3 + 4)]) {
      expect(got.index.paths).toEqual(expected.paths);
      expect([...got.index.sizes]).toEqual([...expected.sizes]);
    }
    // One byte of a header's name changed: refused, aligned or not.
    for (const b of [Buffer.from(buf), unaligned]) {
      b[512 + 3] ^= 0x01;
      await expect(whole(b)).rejects.toThrow(/bad checksum/);
    }
  });

  it('reads gzip layers and checks both digests', async () => {
    const plain = await layerTar([{ file: 'a', content: 'hello' }]);
    const gz = zlib.gzipSync(plain);
    const r = await read(gz, 100);
    expect(r.compression).toBe('gzip');
    expect(r.diffId).toBe(sha256(plain));
    expect(r.blobDigest).toBe(sha256(gz));
  });

  it('refuses a truncated layer, naming where it stopped', async () => {
    const plain = await layerTar([{ file: 'big', content: 'x'.repeat(5000) }]);
    await expect(read(plain.subarray(0, 2000))).rejects.toThrow(/layer\.tar: truncated tar stream inside entry "big"/);
    // A name with a newline in it is quoted, so the message stays one line (the fuzzer found one).
    const odd = await layerTar([{ file: 'new\nline', content: 'x'.repeat(5000) }]);
    await expect(read(odd.subarray(0, 2000))).rejects.toThrow('layer.tar: truncated tar stream inside entry "new\\nline" (ended at byte 2000)');
  });

  it('refuses a corrupt gzip stream', async () => {
    const gz = zlib.gzipSync(await layerTar([{ file: 'a', content: 'x'.repeat(10000) }]));
    gz[gz.length - 20] ^= 0xff;
    gz[30] ^= 0xff;
    await expect(read(gz, 64)).rejects.toThrow(/layer\.tar: bad gzip stream|truncated|not a tar header/);
  });

  it('refuses a header whose numbers are not numbers', async () => {
    const buf = await packRaw([{ name: 'f', mode: 0o644 }]);
    buf.write('zz', 108, 'latin1'); // uid field
    // Recompute the checksum so only the bad number is wrong.
    buf.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += buf[i];
    buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expect(read(buf)).rejects.toThrow(/entry "f" has an impossible uid \(not a number\)/);
  });

  it('refuses garbage that is not a tar', async () => {
    await expect(read(Buffer.alloc(1024, 0x41))).rejects.toThrow(/not a tar header \(bad checksum\)/);
  });

  it.each([
    ['../escape', /climbs out of the root/],
    ['a/../../escape', /climbs out of the root/],
    ['/etc/passwd', /absolute entry name/],
  ])('refuses the hostile name %s', async (name, message) => {
    const buf = await packRaw([{ name, mode: 0o644 }]);
    await expect(read(buf)).rejects.toThrow(message);
  });

  it('refuses a name component longer than 255 bytes', async () => {
    const buf = await packRaw([{ name: `d/${'x'.repeat(300)}`, mode: 0o644 }]);
    await expect(read(buf)).rejects.toThrow(/longer than 255 bytes/);
  });

  it('recognises whiteouts and opaque markers and skips AUFS bookkeeping', async () => {
    const buf = await packRaw([
      { name: 'dir/.wh.gone', mode: 0o600 },
      { name: 'dir/.wh..wh..opq', mode: 0o755 },
      { name: '.wh..wh.plnk/1', mode: 0o644 },
    ]);
    const { index } = await read(buf);
    expect(index.paths).toEqual(['dir/gone', 'dir']);
    expect([...index.kinds]).toEqual([7, 8]);
  });
});

describe('a plain layer indexed as its bytes are pushed (PlainLayerIndexer, for an engine\'s export)', () => {
  /** Pushes `bytes` in pieces of `step`, each through one buffer that is overwritten after the push, as a socket reader's is. */
  const pushed = (bytes: Buffer, step: number) => {
    const indexer = new PlainLayerIndexer('export: layer.tar');
    const reused = Buffer.alloc(step);
    for (let at = 0; at < bytes.length; at += step) {
      const n = bytes.copy(reused, 0, at, at + step);
      indexer.push(reused.subarray(0, n));
      reused.fill(0xa5);
    }
    return indexer.finish();
  };

  it.each(IMAGES)('every layer of the %s fixture: the index and digests that reading it whole gives, however it is cut', async (name) => {
    const { files, layers } = dockerSaveLayers(name);
    for (const layer of layers) {
      const bytes = files.read(layer);
      const whole = await indexLayerStream([bytes], { where: 'export: layer.tar', fullDigests: 'compressed' });
      for (const step of [511, 65_536, 1 << 20]) {
        const got = pushed(bytes, step);
        expect(got.diffId).toBe(whole.diffId);
        expect(got.blobDigest).toBe(whole.blobDigest);
        expect(got.blobBytes).toBe(bytes.length);
        expect(encodeIndex(got.index, got.diffId).equals(encodeIndex(whole.index, whole.diffId))).toBe(true);
      }
    }
  });

  it('reads only plain tars; a cut or broken one is one line naming the layer', async () => {
    const layer = await layerTar([{ file: 'a.txt', content: 'x'.repeat(3000) }, { file: 'b.txt', content: 'y' }]);
    expect(PlainLayerIndexer.reads(layer)).toBe(true);
    expect(PlainLayerIndexer.reads(zlib.gzipSync(layer))).toBe(false);
    expect(PlainLayerIndexer.reads(layer.subarray(0, 3))).toBe(false);
    for (const bad of [layer.subarray(0, 1500), Buffer.concat([Buffer.alloc(512, 'z'), layer])]) {
      let said: unknown = null;
      try {
        pushed(bad, 700);
      } catch (e) {
        said = e;
      }
      expect(said).toBeInstanceOf(FathomError);
      expect((said as Error).message).toMatch(/^export: layer\.tar: /);
      expect((said as Error).message).not.toContain('\n');
    }
  });
});

describe('the end-of-archive marker (stream-parser.ts)', () => {
  it('says the archive has ended once the marker has been read, however the stream is cut into chunks, and not before its last byte', async () => {
    const archive = await layerTar([
      { name: 'a.txt', content: 'x'.repeat(700) },
      { name: 'dir/', type: 'directory' },
      { name: 'dir/' + 'long-name-'.repeat(20), content: 'y' },
    ]);
    // tar-stream's pack ends with the marker (two zero blocks); what follows it here is padding.
    const markerEnd = archive.length;
    const stream = Buffer.concat([archive, Buffer.alloc(3000)]);
    for (let cut = 1; cut <= stream.length; cut += cut < 1100 ? 1 : 97) {
      const parser = new TarStreamParser(() => null, 'x');
      for (let pos = 0; pos < stream.length; pos += cut) {
        parser.push(stream.subarray(pos, pos + cut));
        // Known once both zero blocks are in, and from then on; what comes after is not read as entries.
        expect(parser.ended).toBe(Math.min(stream.length, pos + cut) >= markerEnd);
      }
      expect(parser.position).toBe(stream.length);
    }
  });
});

describe('names as bytes (name-bytes.ts)', () => {
  it('any bytes decode to a name that encodes back to the same bytes; valid UTF-8 decodes as UTF-8', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 5000; round++) {
      const bytes = Buffer.alloc(next() % 24);
      // Mostly high bytes, so broken and valid sequences both come up.
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() % 3 === 0 ? 0x61 : 0x80 + (next() % 0x80);
      const name = decodeName(bytes);
      expect(encodeName(name)).toEqual(bytes);
      if (isUtf8(bytes)) expect(name).toBe(bytes.toString('utf8'));
    }
    for (const text of ['etc/passwd', 'etc/한국', 'emoji/😀', 'U+10080/\u{10080}']) {
      expect(decodeName(Buffer.from(text))).toBe(text);
      expect(encodeName(text)).toEqual(Buffer.from(text));
    }
    expect(decodeName(Buffer.from([0x78, 0xff]))).not.toBe(decodeName(Buffer.from([0x78, 0xfe])));
    // A surrogate encoded in UTF-8 (CESU) is not valid UTF-8: its bytes stay bytes.
    expect(encodeName(decodeName(Buffer.from([0xed, 0xb3, 0xbf])))).toEqual(Buffer.from([0xed, 0xb3, 0xbf]));
  });
});
