import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIndex, encodeIndex, openStoredIndex } from '../../store/index-codec.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { indexOf } from '../helpers/layers.js';

// Made before the first test, not when the file loads: a run that filters every test out leaves nothing.
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-index-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
let n = 0;

function stored(bytes: Buffer): string {
  const file = path.join(dir, `index-${n++}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Everything an index says, as plain values. */
function contents(index: LayerIndex) {
  return {
    count: index.count,
    stats: index.stats,
    links: [...index.links],
    devices: [...index.devices],
    paths: index.paths,
    columns: [index.kinds, index.sizes, index.modes, index.uids, index.gids, index.mtimes, index.offsets, index.hashes].map((c) => [...c]),
  };
}

const LAYER = `sha256:${'a'.repeat(64)}`;
const DAMAGED = /^store layer x: the stored file index is damaged; run `fathom store rm` on this image and open it again$/;

describe('a stored layer index', () => {
  it('opens on its header and reads its columns on first use, to the same index', async () => {
    const index = await indexOf([{ dir: 'etc' }, { file: 'etc/passwd', content: 'root:x:0:0' }, { symlink: 'etc/mtab', target: '/proc/mounts' }, { hardlink: 'etc/pw', target: 'etc/passwd' }]);
    const file = stored(encodeIndex(index, LAYER));
    const opened = openStoredIndex(file, 'store layer x', LAYER)!;
    // The figures and links come with the header...
    expect(opened.stats).toEqual(index.stats);
    expect([...opened.links]).toEqual([...index.links]);
    // ...the columns are not read yet: with the file gone, the first use says so.
    fs.renameSync(file, `${file}.away`);
    expect(() => opened.kinds).toThrow(DAMAGED);
    expect(() => opened.paths).toThrow(DAMAGED); // and again, the same way
    fs.renameSync(`${file}.away`, file);
    expect(contents(opened)).toEqual(contents(index)); // the file is back: now it reads
    expect(contents(openStoredIndex(file, 'store layer x', LAYER)!)).toEqual(contents(index));
    expect(contents(decodeIndex(fs.readFileSync(file), 'store layer x'))).toEqual(contents(index));
    expect(openStoredIndex(path.join(dir, 'missing.bin'), 'store layer x', LAYER)).toBeNull();
  });

  it('a header longer than the first read (a layer of many links) is read whole', async () => {
    const links = Array.from({ length: 3000 }, (_, i) => ({ symlink: `usr/lib/link-${i}`, target: `/usr/lib/a-rather-long-target-name-to-make-the-header-long-${i}` }));
    const index = await indexOf(links);
    const bytes = encodeIndex(index, LAYER);
    expect(bytes.readUInt32LE(8)).toBeGreaterThan(64 << 10);
    expect(contents(openStoredIndex(stored(bytes), 'store layer x', LAYER)!)).toEqual(contents(index));
  });

  it('damage to the header or the length is refused at open; damage to the paths on first use', async () => {
    const good = encodeIndex(await indexOf([{ file: 'a', content: 'x' }, { file: 'b', content: 'y' }]), LAYER);
    expect(() => openStoredIndex(stored(good.subarray(0, good.length - 3)), 'store layer x', LAYER)).toThrow(DAMAGED);
    expect(() => openStoredIndex(stored(Buffer.concat([Buffer.from('NOTFATHM'), good.subarray(8)])), 'store layer x', LAYER)).toThrow(DAMAGED);
    const headerEnd = 12 + good.readUInt32LE(8);
    const noSeparator = Buffer.from(good);
    noSeparator[good.indexOf(0, headerEnd)] = 0x78;
    const opened = openStoredIndex(stored(noSeparator), 'store layer x', LAYER)!;
    expect(opened.count).toBe(2);
    expect(() => opened.paths).toThrow(DAMAGED);
  });

  it('every byte counts: a flipped byte anywhere in the header is refused at open, in the columns on first use', async () => {
    const good = encodeIndex(await indexOf([{ file: 'a', content: 'x' }, { symlink: 'l', target: 'a' }]), LAYER);
    const headerEnd = 12 + good.readUInt32LE(8);
    for (const at of [9, 14, headerEnd - 2]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      expect(() => openStoredIndex(stored(bad), 'store layer x', LAYER), `byte ${at}`).toThrow(DAMAGED);
    }
    for (const at of [headerEnd + 1, good.length - 70]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      const opened = openStoredIndex(stored(bad), 'store layer x', LAYER)!;
      expect(() => opened.sizes, `byte ${at}`).toThrow(DAMAGED);
    }
  });

  it("another layer's index in this layer's place is refused (it names the layer it belongs to)", async () => {
    const other = encodeIndex(await indexOf([{ file: 'a', content: 'x' }]), `sha256:${'b'.repeat(64)}`);
    expect(() => openStoredIndex(stored(other), 'store layer x', LAYER)).toThrow(DAMAGED);
  });
});
