import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { HEAD_BYTES } from '../../store/layer-index.js';
import { ImageModel } from '../../src/model/image-model.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { extractFile, viewFile } from '../../src/view/file-actions.js';
import { fathom } from '../helpers/cli.js';
import { dockerSaveOf, tarOfFiles } from '../helpers/layers.js';

/** Content of `size` bytes: a head shared by every file made with the same `head`, then its own tail. */
function content(size: number, head: number, tail: number): Buffer {
  const b = Buffer.alloc(size, head);
  b.fill(tail, HEAD_BYTES + 100);
  return b;
}

const SIZE = 3 * HEAD_BYTES;

async function writeArchive(file: string): Promise<void> {
  const layers = [
    await tarOfFiles([
      { name: 'big/edited.bin', body: content(SIZE, 1, 2) },
      { name: 'big/copy-1.bin', body: content(SIZE, 5, 6) },
      { name: 'big/unique.bin', body: content(SIZE + 1, 7, 8) },
    ]),
    await tarOfFiles([
      // Same size and same first 64 KiB as the file it replaces; only the tail differs.
      { name: 'big/edited.bin', body: content(SIZE, 1, 3) },
      { name: 'big/copy-2.bin', body: content(SIZE, 5, 6) },
      // Same size and head as copy-1 and copy-2, another tail: not a copy.
      { name: 'big/lookalike.bin', body: content(SIZE, 5, 9) },
    ]),
  ];
  fs.writeFileSync(file, await dockerSaveOf(layers, 'fathom-test/big-digests:1', ['one', 'two']));
}

let work: string;
let archive: string;
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-big-digests-'));
  archive = path.join(work, 'image.tar');
  await writeArchive(archive);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('big files: their first 64 KiB are hashed as they are read, the whole only where a comparison needs it', () => {
  it('a tail-only edit is a content change, a copy is a copy, a lookalike is not; the same on a reopen', () => {
    const store = path.join(work, 'store');
    const run = () => fathom(['inspect', archive, '--json', '--files', 'changes', '--layer', '1', '--store', store]);
    const first = run();
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { files: { path: string; change: string; differs?: string[] }[]; analysis: { duplicateContent: { paths: string[] }[] } };
    const byPath = Object.fromEntries(report.files.map((f) => [f.path, f]));
    expect(byPath['/big/edited.bin']).toMatchObject({ change: 'modified', differs: ['content'] });
    expect(report.analysis.duplicateContent.map((g) => g.paths)).toEqual([['/big/copy-1.bin', '/big/copy-2.bin']]);
    expect(run().stdout).toBe(first.stdout);
  });

  it('only the files that needed it had their whole digest taken', async () => {
    const store = new LayerStore(path.join(work, 'model-store'));
    const model = new ImageModel(await openImage(fileSource(parseSourceSpec(archive)), store));
    void model.waste;
    const taken = model.layers.map((l) => [...l.fullDigests.keys()].map((i) => l.paths[i]).sort());
    // unique.bin has a size no other file has: nothing to compare it with, so it is never read again.
    expect(taken).toEqual([['big/copy-1.bin', 'big/edited.bin'], ['big/copy-2.bin', 'big/edited.bin', 'big/lookalike.bin']]);
  });

  it("an in-place edit of a big file's tail, mtime put back: view (its first 64 KiB, checked) works, extract refuses", async () => {
    const copy = path.join(work, 'edited-in-place.tar');
    fs.copyFileSync(archive, copy);
    const store = new LayerStore(path.join(work, 'ref-store'));
    const model = new ImageModel(await openImage(fileSource(parseSourceSpec(copy)), store));
    const top = model.layerCount - 1;
    const node = model.lookup(top, 'big/unique.bin')!;
    const blob = store.readLayerMeta(model.record.layers[node.srcLayer].diffId).blob;
    if (blob.kind !== 'ref') throw new Error('the layer should be kept by reference');
    const bytes = fs.readFileSync(copy);
    const { atime, mtime } = fs.statSync(copy);
    bytes[blob.offset + model.layers[node.srcLayer].offsets[node.srcEntry] + SIZE - 10] ^= 0x20;
    fs.writeFileSync(copy, bytes);
    fs.utimesSync(copy, atime, mtime);
    const viewed = await viewFile(model, store, top, '/big/unique.bin', 80);
    expect(viewed.title).toMatch(/^\/big\/unique\.bin \(197kB, (text|binary), first 65\.5kB\)/);
    const target = path.join(work, 'unique.bin');
    const r = await extractFile(model, store, top, '/big/unique.bin', target, false);
    expect(r).toEqual({ kind: 'failed', message: expect.stringMatching(/^extract failed: \/big\/unique\.bin: layer 0: its bytes are not the ones read when the image was opened/) });
    expect(fs.existsSync(target)).toBe(false);
    // An edit inside the first 64 KiB is refused by the viewer too.
    bytes[blob.offset + model.layers[node.srcLayer].offsets[node.srcEntry] + 10] ^= 0x20;
    fs.writeFileSync(copy, bytes);
    expect((await viewFile(model, store, top, '/big/unique.bin', 80)).title).toMatch(/its bytes in layer 0 are not the ones read/);
  });

  it('extract of an intact big file whose whole digest was never taken checks its layer and writes it', async () => {
    const store = new LayerStore(path.join(work, 'ok-store'));
    const model = new ImageModel(await openImage(fileSource(parseSourceSpec(archive)), store));
    const target = path.join(work, 'unique-ok.bin');
    expect((await extractFile(model, store, model.layerCount - 1, '/big/unique.bin', target, false)).kind).toBe('done');
    expect(fs.readFileSync(target).equals(content(SIZE + 1, 7, 8))).toBe(true);
  });
});
