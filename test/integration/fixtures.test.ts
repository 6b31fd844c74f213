import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { ImageModel } from '../../src/model/image-model.js';
import { inspectReport, unionRows } from '../../src/report/inspect-report.js';
import { EntryKind, formatMode, kindName } from '../../src/model/entry.js';
import { FIXTURES, FORMATS, IMAGES, imagePath, truthJson, truthLines } from '../helpers/fixtures.js';
import { tempStore } from '../helpers/temp-store.js';

let storeDir: string;
let store: LayerStore;
const models = new Map<string, ImageModel>();

async function model(image: string, format: string): Promise<ImageModel> {
  const key = `${image}/${format}`;
  if (!models.has(key)) {
    const spec = parseSourceSpec(imagePath(image, format));
    if (spec.kind === 'engine' || spec.kind === 'store') throw new Error(`fixture missing: ${key}`);
    models.set(key, new ImageModel(await openImage(fileSource(spec), store)));
  }
  return models.get(key)!;
}

beforeAll(() => {
  storeDir = tempStore();
  store = new LayerStore(storeDir);
});
afterAll(() => fs.rmSync(storeDir, { recursive: true, force: true }));

describe.each(IMAGES)('fixture image %s', (image) => {
  const history = truthJson<{ Size: number; CreatedBy: string }[]>(image, 'history-api.json').slice().reverse();
  const inspect = ((x: unknown) => (Array.isArray(x) ? x[0] : x))(truthJson(image, 'inspect.json')) as { Size: number; RootFS: { Layers: string[] } };

  it.each(FORMATS)('%s: layer sizes equal docker history and the image size equals docker image inspect', async (format) => {
    const m = await model(image, format);
    const report = inspectReport(m, { source: 'x', files: 'none' });
    expect(report.history.map((h) => (h.layerIndex === null ? 0 : report.layers[h.layerIndex].sizeBytes))).toEqual(history.map((h) => h.Size));
    expect(report.history.map((h) => h.createdBy)).toEqual(history.map((h) => h.CreatedBy));
    expect(report.image.sizeBytes).toBe(inspect.Size);
    expect(report.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers);
  });

  it.each(FORMATS)('%s: every layer listing equals GNU tar -tv of the layer', async (format) => {
    const m = await model(image, format);
    m.layers.forEach((index, n) => {
      const truth = truthLines(path.join(FIXTURES, 'images', image, 'truth', 'layers', `${String(n).padStart(3, '0')}.jsonl.gz`)).filter((e) => e.path !== '.');
      const got = index.paths.map((p, i) => {
        const kind = index.kinds[i];
        const row: Record<string, unknown> = { path: p, type: kindName(kind), mode: formatMode(index.modes[i]), uid: index.uids[i], gid: index.gids[i], size: index.sizes[i] };
        if (index.links.has(i)) row.link = index.links.get(i);
        if (index.devices.has(i)) row.dev = index.devices.get(i);
        return row;
      });
      const want = truth.map((e) => {
        if (e.whiteout === 'entry') return { path: e.hides, type: 'whiteout', mode: e.mode, uid: e.uid, gid: e.gid, size: 0 };
        if (e.whiteout === 'opaque') return { path: e.hides!.replace(/\/\*$/, ''), type: 'opaque', mode: e.mode, uid: e.uid, gid: e.gid, size: 0 };
        const row: Record<string, unknown> = { path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size };
        if (e.link !== undefined) row.link = e.link;
        if (e.dev !== undefined) row.dev = e.dev;
        return row;
      });
      expect(got, `layer ${n}`).toEqual(want);
    });
    expect(m.layers.every((l) => l.kinds.every((k) => k <= EntryKind.opaque))).toBe(true);
  });

  it.each(FORMATS)('%s: the union at the top layer equals docker export', async (format) => {
    const m = await model(image, format);
    const init = new Map(truthJson<{ path: string; also_in_image_layers: boolean }[]>(image, 'export-init-layer.json').map((e) => [e.path, e]));
    const truth = new Map(
      truthLines(path.join(FIXTURES, 'images', image, 'truth', 'export.jsonl.gz'))
        .filter((e) => e.path !== '.' && !(init.has(e.path) && !init.get(e.path)!.also_in_image_layers))
        .map((e) => [e.path, e]),
    );
    const got = new Map(unionRows(m, m.layerCount - 1).map((r) => [r.path.slice(1), r]));
    expect([...got.keys()].sort()).toEqual([...truth.keys()].sort());
    const fileish = (t: string) => (t === 'hardlink' ? 'file' : t);
    for (const [p, t] of truth) {
      const g = got.get(p)!;
      expect(fileish(g.type), p).toBe(fileish(t.type));
      if (init.has(p)) continue; // Docker's init layer restamps these
      expect({ p, mode: g.mode, uid: g.uid, gid: g.gid }).toEqual({ p, mode: t.mode, uid: t.uid, gid: t.gid });
      if (t.type === 'symlink') expect(g.linkTarget, p).toBe(t.link);
      if (fileish(t.type) === 'file' && t.type === 'file') expect(g.sizeBytes, p).toBe(t.size);
    }
    // Hard links: docker export picks which name is the file by inode; compare the groups instead.
    const groups = (rows: [string, string | null][]) => {
      const byTarget = new Map<string, Set<string>>();
      for (const [p, target] of rows) {
        const key = target ?? p;
        if (!byTarget.has(key)) byTarget.set(key, new Set([key]));
        byTarget.get(key)!.add(p);
      }
      return [...byTarget.values()].filter((g) => g.size > 1).map((g) => [...g].sort().join('|')).sort();
    };
    const truthLinks = [...truth.values()].filter((e) => e.type === 'hardlink').map((e) => [e.path, e.link!] as [string, string]);
    const gotLinks = [...got.values()].filter((r) => r.type === 'hardlink').map((r) => [r.path.slice(1), r.linkTarget!.slice(1)] as [string, string]);
    const flatten = (gs: string[]) => gs.map((g) => g.split('|').sort().join('|')).sort();
    expect(flatten(groups(gotLinks))).toEqual(flatten(groups(truthLinks)));
  });

  it('every format gives the same answers (only the container format\'s own fields differ)', async () => {
    const normal = (r: ReturnType<typeof inspectReport>) => ({
      ...r,
      source: null,
      // skopeo re-serialises the config, so OCI copies have another config digest (image ID).
      image: { ...r.image, id: null, digest: null, repoTags: null },
      layers: r.layers.map((l) => ({ ...l, digest: null, mediaType: null, compressedBytes: null })),
    });
    const reports = await Promise.all(FORMATS.map(async (f) => normal(inspectReport(await model(image, f), { source: f, files: 'union' }))));
    for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
    const imageId = truthJson<{ image_id: string }>(image, 'summary.json').image_id;
    expect((await model(image, 'docker-save.tar')).record.id).toBe(imageId);
    expect((await model(image, 'docker26-save.tar')).record.id).toBe(imageId);
  });
});

describe('the shared store', () => {
  it('keeps a layer shared by several images once', () => {
    const layerDirs = fs.readdirSync(path.join(storeDir, 'layers', 'sha256'));
    const busyboxBase = truthJson<{ RootFS: { Layers: string[] } }[]>('busybox', 'inspect.json');
    const base = (Array.isArray(busyboxBase) ? busyboxBase[0] : busyboxBase).RootFS.Layers[0];
    expect(layerDirs.filter((d) => `sha256:${d}` === base)).toHaveLength(1);
    const distinct = new Set(IMAGES.flatMap((i) => ((x: unknown) => (Array.isArray(x) ? x[0] : x))(truthJson(i, 'inspect.json')).RootFS.Layers as string[]));
    expect(layerDirs).toHaveLength(distinct.size);
  });
});
