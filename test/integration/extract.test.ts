import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { ImageModel } from '../../src/model/image-model.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { extractFile } from '../../src/view/file-actions.js';
import { imagePath } from '../helpers/fixtures.js';

let work: string;
let model: ImageModel;
let store: LayerStore;
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-extract-'));
  store = new LayerStore(path.join(work, 'store'));
  model = new ImageModel(await openImage(fileSource(parseSourceSpec(imagePath('edge', 'docker-save.tar'))), store));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('extract writes only where the user said, and never through a symlink', () => {
  const top = () => model.layerCount - 1;

  it('a dangling symlink at the target is asked about; told to overwrite, it is replaced, not followed', async () => {
    const target = path.join(work, 'out.txt');
    const victim = path.join(work, 'victim-never-written');
    fs.symlinkSync(victim, target);
    expect(await extractFile(model, store, top(), '/edge/added-hello.txt', target, false)).toEqual({ kind: 'exists', target });
    const done = await extractFile(model, store, top(), '/edge/added-hello.txt', target, true);
    expect(done.kind).toBe('done');
    expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(victim)).toBe(false);
    expect(fs.readFileSync(target, 'utf8').length).toBeGreaterThan(0);
  });

  it('a target in a directory that does not exist is one clear line, not a raw ENOENT', async () => {
    const r = await extractFile(model, store, top(), '/edge/added-hello.txt', path.join(work, 'no', 'such', 'x.txt'), false);
    expect(r).toEqual({ kind: 'failed', message: `extract: cannot write ${path.join(work, 'no', 'such', 'x.txt')}: ${path.join(work, 'no', 'such')} is not a directory that exists` });
    expect(fs.readdirSync(work).filter((f) => f.includes('fathom-'))).toEqual([]);
  });
});

describe('an archive kept by reference that changes after it was read', () => {
  it('in place, same size, mtime put back: view and extract refuse the new bytes; touched only: they work, and the next open reads it again', async () => {
    const archive = path.join(work, 'copy.tar');
    fs.copyFileSync(imagePath('edge', 'docker-save.tar'), archive);
    const refStore = new LayerStore(path.join(work, 'ref-store'));
    const opened = new ImageModel(await openImage(fileSource(parseSourceSpec(archive)), refStore));
    const top = opened.layerCount - 1;
    const clean = path.join(work, 'clean.txt');
    expect((await extractFile(opened, refStore, top, '/edge/added-hello.txt', clean, false)).kind).toBe('done');
    expect(fs.readFileSync(clean).length).toBeGreaterThan(0);
    // Where the file's bytes sit in the archive: its layer's place in it, plus the file's place in the layer.
    const node = opened.lookup(top, 'edge/added-hello.txt')!;
    const blob = refStore.readLayerMeta(opened.record.layers[node.srcLayer].diffId).blob;
    if (blob.kind !== 'ref') throw new Error('the layer should be kept by reference');
    const at = blob.offset + opened.layers[node.srcLayer].offsets[node.srcEntry];
    const bytes = fs.readFileSync(archive);
    const { atime, mtime } = fs.statSync(archive);
    bytes[at] ^= 0x20;
    fs.writeFileSync(archive, bytes);
    fs.utimesSync(archive, atime, mtime);
    const edited = await extractFile(opened, refStore, top, '/edge/added-hello.txt', path.join(work, 'edited.txt'), false);
    expect(edited).toEqual({ kind: 'failed', message: expect.stringMatching(/^extract failed: \/edge\/added-hello\.txt: its bytes in layer \d+ are not the ones read when the image was opened/) });
    expect(fs.existsSync(path.join(work, 'edited.txt'))).toBe(false);
    // Put right, then only touched: reading works, and the next open from the archive reads the layer again.
    bytes[at] ^= 0x20;
    fs.writeFileSync(archive, bytes);
    expect((await extractFile(opened, refStore, top, '/edge/added-hello.txt', path.join(work, 'touched.txt'), false)).kind).toBe('done');
    const diffId = opened.record.layers[node.srcLayer].diffId;
    expect(refStore.hasLayer(diffId)).toBe(false);
    await openImage(fileSource(parseSourceSpec(archive)), refStore);
    expect(refStore.hasLayer(diffId)).toBe(true);
  });
});
