import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLayerHeaders, scanLayerHeadersHere } from '../../src/layer/scan-headers.js';
import { verifyScanned } from '../../src/layer/scanned-layout.js';
import { indexLayerStream } from '../../src/layer/index-layer.js';
import { CONTENT_HASH_BYTES, HEAD_BYTES, type LayerIndex } from '../../store/layer-index.js';
import { IMAGES, dockerSaveLayers } from '../helpers/fixtures.js';
import { layerTar } from '../helpers/layers.js';
import { fuzzSettings, mutate, prng } from '../helpers/mutate.js';
import { FathomError } from '../../src/errors.js';

// Made before the first test, not when the file loads: a run that filters every test out leaves nothing.
let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-scan-'));
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Every column, as plain values: what a view or an analysis could tell apart. */
function columns(index: LayerIndex) {
  for (let i = 0; i < index.count; i++) index.ensureHead(i);
  return {
    count: index.count,
    stats: index.stats,
    paths: index.paths,
    kinds: [...index.kinds],
    sizes: [...index.sizes],
    modes: [...index.modes],
    owners: [...index.uids, ...index.gids],
    mtimes: [...index.mtimes],
    offsets: [...index.offsets],
    heads: index.hashes.toString('hex'),
    links: [...index.links],
    devices: [...index.devices],
    through: [...index.writtenThrough],
  };
}

async function compare(file: string, offset: number, size: number) {
  const scanned = scanLayerHeaders(file, offset, size, 'scan');
  expect(scanned).not.toBeNull();
  const fd = fs.openSync(file, 'r');
  const bytes = Buffer.alloc(size);
  fs.readSync(fd, bytes, 0, size, offset);
  fs.closeSync(fd);
  const { index, diffId } = await indexLayerStream(Readable.from([bytes]), { where: 'read', fullDigests: 'compressed' });
  // The verifying pass, in chunks of odd sizes: the layer's digest, every file's head, the same skeleton.
  const chunks = (step: number) => Array.from({ length: Math.ceil(size / step) }, (_, k) => bytes.subarray(k * step, (k + 1) * step));
  for (const step of [4 << 20, 777, 65_536 + 3]) {
    const verified = await verifyScanned(chunks(step), scanned!.layout);
    expect(verified.blobDigest).toBe(diffId);
    expect(verified.skeleton).toBe(scanned!.layout.skeleton);
    expect(verified.heads.toString('hex')).toBe(index.hashes.toString('hex'));
  }
  expect(columns(scanned!.index)).toEqual(columns(index));
}

describe('a layer indexed from its headers alone (seeking past content) is the layer read whole', () => {
  it.each(IMAGES)('every layer of the %s fixture, with its head digests taken on demand', async (name) => {
    const { archive, files, layers } = dockerSaveLayers(name);
    for (const layer of layers) {
      const at = files.location(layer);
      await compare(archive, at.offset, at.size);
    }
  });

  it('big files, PAX and GNU long names, a write through a symlink, whiteouts', async () => {
    const long = `deep/${'d'.repeat(120)}/${'n'.repeat(130)}`;
    const tarBytes = await layerTar([
      { dir: 'etc' },
      { file: 'etc/small', content: 'x' },
      { file: 'big.bin', content: 'b'.repeat(3 * HEAD_BYTES + 7) },
      { file: long, content: 'long name' },
      { symlink: 'lnk', target: '/etc' },
      { file: 'lnk/passwd', content: 'through' },
      { whiteout: 'etc/gone' },
      { opaque: 'var' },
    ]);
    const file = path.join(work, 'layer.tar');
    fs.writeFileSync(file, Buffer.concat([Buffer.alloc(1000), tarBytes]));
    await compare(file, 1000, tarBytes.length);
    expect(CONTENT_HASH_BYTES).toBe(16);
  });

  it('made on the main thread in slices, a scan is the same scan, and the event loop turns between its slices', async () => {
    const entries = Array.from({ length: 400 }, (_, i) => ({ file: `d${i % 7}/f${i}`, content: 'x'.repeat(i * 97) }));
    const tarBytes = await layerTar(entries);
    const file = path.join(work, 'sliced.tar');
    fs.writeFileSync(file, tarBytes);
    const whole = scanLayerHeaders(file, 0, tarBytes.length, 'scan')!;
    // Something else on the event loop, counting its turns.
    let turns = 0;
    let scanning = true;
    const tick = () => {
      turns++;
      if (scanning) setImmediate(tick);
    };
    setImmediate(tick);
    // Slices of no time: the loop turns after every window read (~7.8 MB, in 64 KB windows and 4 KB reads).
    const sliced = await scanLayerHeadersHere(file, 0, tarBytes.length, 'scan', 0);
    scanning = false;
    expect(turns).toBeGreaterThan(100);
    expect(columns(sliced!.index)).toEqual(columns(whole.index));
    expect(sliced!.layout).toEqual(whole.layout);
    const gz = path.join(work, 'sliced.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    expect(await scanLayerHeadersHere(gz, 0, 8, 'gz')).toBeNull();
  });

  it('a compressed layer is not scanned (its headers need it inflated)', () => {
    const file = path.join(work, 'gz');
    fs.writeFileSync(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    expect(scanLayerHeaders(file, 0, 8, 'gz')).toBeNull();
  });

  it('bytes changed between the scan and the verifying pass: a header shows in the skeleton, content only in the digest', async () => {
    const tarBytes = await layerTar([{ file: 'a.txt', content: 'hello' }, { file: 'b.txt', content: 'world' }]);
    const file = path.join(work, 'changing.tar');
    fs.writeFileSync(file, tarBytes);
    const scanned = scanLayerHeaders(file, 0, tarBytes.length, 'scan')!;
    const header = Buffer.from(tarBytes);
    header[512 * 2 + 0] = 'c'.charCodeAt(0); // b.txt's header (after a.txt's header and content) now names c.txt
    expect((await verifyScanned([header], scanned.layout)).skeleton).not.toBe(scanned.layout.skeleton);
    const content = Buffer.from(tarBytes);
    content[512] = 'H'.charCodeAt(0); // a.txt's content
    const v = await verifyScanned([content], scanned.layout);
    expect(v.skeleton).toBe(scanned.layout.skeleton);
    expect(v.heads.toString('hex')).not.toBe((await verifyScanned([tarBytes], scanned.layout)).heads.toString('hex'));
  });
});

describe('a mutated layer (seeded fuzzer): the header scan and the full read agree', () => {
  const { seed, cases } = fuzzSettings(300);
  it(`${cases} cases, seed ${seed} (FATHOM_FUZZ_SEED=${seed} replays them): a scan that succeeds, verified, is the full read's index, even of bytes changed after the scan; a layer the full read refuses, the scan refuses too; every refusal is one line`, async () => {
    const layers: Buffer[] = [];
    for (const name of IMAGES) {
      const { files, layers: members } = dockerSaveLayers(name);
      for (const layer of members) if (files.size(layer) > 0) layers.push(files.read(layer));
    }
    const rand = prng(seed);
    const file = path.join(work, 'mutated.tar');
    const original = path.join(work, 'original.tar');
    const counts = { agreed: 0, refused: 0, caught: 0 };
    for (let n = 0; n < cases; n++) {
      const layer = layers[Math.floor(rand() * layers.length)];
      const { bytes, what } = mutate(layer, rand);
      const label = `seed ${seed} case ${n}: ${what}`;
      fs.writeFileSync(file, bytes);
      const outcome = async <T>(f: () => T | Promise<T>): Promise<{ ok: T } | { error: unknown }> => {
        try {
          return { ok: await f() };
        } catch (error) {
          expect(error instanceof FathomError && !error.message.includes('\n'), `${label}: not a one-line error: ${(error as Error).stack}`).toBe(true);
          return { error };
        }
      };
      const scanned = await outcome(() => scanLayerHeaders(file, 0, bytes.length, 'scan'));
      const full = await outcome(() => indexLayerStream(Readable.from([bytes]), { where: 'read', fullDigests: 'compressed' }));
      // The file changed between the scan and the verifying pass (same length: a range read takes as many
      // bytes as the scan saw): where the skeleton still matches, the store keeps the scan's index, so the
      // changed bytes must read as that index says.
      if (bytes.length === layer.length) {
        fs.writeFileSync(original, layer);
        const before = scanLayerHeaders(original, 0, layer.length, 'scan')!;
        const v = await verifyScanned([bytes], before.layout);
        if (v.skeleton === before.layout.skeleton) {
          expect('ok' in full, `${label}: the skeleton matched but the full read refused the bytes`).toBe(true);
          if ('ok' in full) {
            before.index.fillHeads(v.heads);
            expect(columns(before.index), `${label}: the index kept for bytes that changed after the scan`).toEqual(columns(full.ok.index));
          }
        } else counts.caught++;
      }
      if ('error' in full) {
        // Refused whole, refused scanned (or not scannable: too short to tell its compression): a first
        // look never shows a layer the store would not take.
        expect('error' in scanned || scanned.ok === null, `${label}: the full read refused it (${(full.error as Error).message}) but the scan took it`).toBe(true);
        counts.refused++;
        continue;
      }
      if ('error' in scanned) throw new Error(`${label}: the full read took it but the scan refused it: ${(scanned.error as Error).message}`);
      expect(scanned.ok, label).not.toBeNull(); // a mutated plain tar is still plain
      const verified = await verifyScanned([bytes], scanned.ok!.layout);
      expect(verified.blobDigest, label).toBe(full.ok.diffId);
      expect(verified.skeleton, label).toBe(scanned.ok!.layout.skeleton);
      expect(verified.heads.toString('hex'), label).toBe(full.ok.index.hashes.toString('hex'));
      expect(columns(scanned.ok!.index), label).toEqual(columns(full.ok.index));
      counts.agreed++;
    }
    expect(counts.refused).toBeGreaterThan(cases / 10);
    expect(counts.agreed).toBeGreaterThan(cases / 10);
    expect(counts.caught).toBeGreaterThan(0);
  }, 120_000);
});
