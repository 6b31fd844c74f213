import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEYS, renderApp, testIo } from '../helpers/tui.js';
import { imagePath } from '../helpers/fixtures.js';
import { dockerSaveOf, tarOfFiles } from '../helpers/layers.js';
import { writeOciLayout } from '../helpers/oci.js';
import { fathom } from '../helpers/cli.js';
import type { AppIo } from '../../src/view/app-io.js';
import type { ImageModel } from '../../src/model/image-model.js';
import type { IngestProgress } from '../../src/sources/types.js';
import { indexWorkers } from '../../store/index-workers.js';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-first-look-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const EDGE = imagePath('edge', 'docker-save.tar');

/** A docker save of one 40 MB layer (a big file and a few small ones, a copy among them). */
async function bigArchive(file: string): Promise<Buffer> {
  const body = Buffer.alloc(40 << 20, 7);
  const layer = await tarOfFiles([{ name: 'big.bin', body }, { name: 'small.txt', body: Buffer.from('hello\n') }, { name: 'copy.txt', body: Buffer.from('hello\n') }, { name: 'd/big-copy.bin', body }]);
  const archive = await dockerSaveOf([layer], 'fathom-test/first-look:1', ['big']);
  fs.writeFileSync(file, archive);
  return archive;
}

describe('a first look while the layers are verified', () => {
  it('the layer verified against its scan is stored as a full read stores it: the same inspect --json', async () => {
    const archive = path.join(work, 'same.tar');
    await bigArchive(archive);
    const storeDir = fs.mkdtempSync(path.join(work, 'store-'));
    const t = renderApp({ kind: 'image', source: archive }, testIo(storeDir));
    await t.waitFor('efficiency', 20_000);
    expect(t.app.frames.some((f) => /verifying… \d+ %/.test(f))).toBe(true);
    t.app.unmount();
    const reopened = fathom(['inspect', archive, '--json', '--store', storeDir]);
    const read = fathom(['inspect', archive, '--json', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(reopened.stdout).toBe(read.stdout);
    expect(JSON.parse(read.stdout).analysis.duplicateContent.map((g: { paths: string[] }) => g.paths)).toEqual([['/big.bin', '/d/big-copy.bin'], ['/copy.txt', '/small.txt']]);
  });

  it('shows the image with "verifying… N %", keeps view and extract until it is verified, then the verified image', async () => {
    const io = testIo(fs.mkdtempSync(path.join(work, 'store-')));
    const verified = await io.openImage(EDGE, () => {});
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: AppIo = {
      ...io,
      openImage: async (_source: string, onProgress: (p: IngestProgress) => void, onPreview?: (m: ImageModel) => void) => {
        onPreview?.(verified);
        onProgress({ layersDone: 1, layersTotal: 4, bytesDone: 50, bytesTotal: 200 });
        await gate;
        return verified;
      },
    };
    const t = renderApp({ kind: 'image', source: EDGE }, slow);
    await t.waitFor('verifying… 25 %');
    expect(t.frame()).not.toContain('efficiency');
    await t.press(...Array(9).fill(KEYS.down), KEYS.tab, KEYS.down, KEYS.down, 'v');
    await t.waitFor('files can be viewed and extracted once the layers are verified');
    release();
    await vi.waitFor(() => expect(t.frame()).not.toContain('verifying…'));
    await t.waitFor('efficiency');
    // The view kept its place: the same layer selected.
    expect(t.frame()).toContain('Files  layer 9: its own changes');
    t.app.unmount();
  });

  it('the open says a first look is coming where one is being made, and takes it back where the layers are compressed', async () => {
    const archive = path.join(work, 'told.tar');
    await bigArchive(archive);
    const heard = async (source: string) => {
      const said: boolean[] = [];
      let previews = 0;
      await testIo(fs.mkdtempSync(path.join(work, 'store-'))).openImage(source, () => {}, () => void previews++, (coming) => said.push(coming));
      return { said, previews };
    };
    expect(await heard(archive)).toEqual({ said: [true], previews: 1 });
    // The same layer gzip'd in an OCI layout: its headers can't be reached without inflating it.
    const layout = path.join(work, 'told-oci');
    // Random bytes stay over the first look's 32 MB once gzip'd.
    const noise = randomBytes(40 << 20);
    writeOciLayout(layout, [await tarOfFiles([{ name: 'noise.bin', body: noise }])], { gzip: true, gzipLevel: 1 });
    expect(await heard(layout)).toEqual({ said: [true, false], previews: 0 });
    // Small, or stored already: nothing is said.
    expect(await heard(EDGE)).toEqual({ said: [], previews: 0 });
  }, 60_000);

  it('of three layers, the first look scans one on the main thread, in place of a worker, and the others on the workers', async () => {
    const layers = await Promise.all([0, 1, 2].map((n) => tarOfFiles([{ name: `big-${n}.bin`, body: Buffer.alloc(12 << 20, n) }, ...Array.from({ length: 50 }, (_, k) => ({ name: `d${n}/f${k}`, body: Buffer.from(`${n}/${k}\n`) }))])));
    const archive = path.join(work, 'three.tar');
    fs.writeFileSync(archive, await dockerSaveOf(layers, 'fathom-test/first-look:3', ['one', 'two', 'three']));
    const workers = indexWorkers();
    expect(workers, 'the index worker is built (npm run build)').not.toBeNull();
    workers!.retireIdle(); // none left over from an earlier test
    let atFirstLook = -1;
    let previewed: string[] = [];
    const io = testIo(fs.mkdtempSync(path.join(work, 'store-')));
    const opened = await io.openImage(archive, () => {}, (m) => {
      atFirstLook = workers!.size;
      previewed = m.layers.map((l) => l.paths.join(' '));
    });
    expect(previewed).toHaveLength(3);
    expect(previewed.every((paths, n) => paths.includes(`big-${n}.bin`))).toBe(true);
    // Two cores here: one worker for the scans, where each layer on a worker of its own would start two.
    expect(atFirstLook).toBe(workers!.capacity - 1);
    expect(opened.layers.map((l) => l.paths.join(' '))).toEqual(previewed);
  }, 60_000);

  it('a big archive opens on its headers; a layer that then fails its digest ends the app with that line, exit 2, and stores nothing', async () => {
    const body = Buffer.alloc(40 << 20, 7);
    const layer = await tarOfFiles([{ name: 'big.bin', body }, { name: 'small.txt', body: Buffer.from('hello\n') }]);
    const archive = path.join(work, 'big.tar');
    fs.writeFileSync(archive, await dockerSaveOf([layer], 'fathom-test/first-look:1', ['big']));
    // One byte of the big file's content altered: the headers still parse, the digest no longer matches.
    const fd = fs.openSync(archive, 'r+');
    fs.writeSync(fd, Buffer.from([8]), 0, 1, 512 + 512 + (20 << 20));
    fs.closeSync(fd);
    const storeDir = fs.mkdtempSync(path.join(work, 'store-'));
    const t = renderApp({ kind: 'image', source: archive }, testIo(storeDir));
    await vi.waitFor(() => expect(t.exitCode()).toBe(2), { timeout: 20_000 });
    // The failure can come within a frame or two of the first look: every frame drawn is looked at.
    expect(t.app.frames.some((f) => /verifying… \d+ %/.test(f) && f.includes('big.bin'))).toBe(true);
    const layers = path.join(storeDir, 'layers', 'sha256');
    expect(fs.existsSync(layers) ? fs.readdirSync(layers) : []).toEqual([]);
    expect(fs.existsSync(path.join(storeDir, 'images')) ? fs.readdirSync(path.join(storeDir, 'images')) : []).toEqual([]);
    t.app.unmount();
  });
});
