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
