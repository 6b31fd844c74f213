import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { engineHasImage, podman, podmanAvailable } from '../helpers/podman.js';
import { fathom } from '../helpers/cli.js';
import { FIXTURES, IMAGES, PROJECT_ROOT, imagePath } from '../helpers/fixtures.js';
import { SocketProxy } from '../helpers/socket-proxy.js';
import { LayerStore } from '../../store/store.js';
import { EntryKind } from '../../src/model/entry.js';
import { readEntryContent } from '../../src/layer/read-content.js';
import { ingestResolved, loadStoredImage } from '../../src/open-image.js';
import { ImageModel } from '../../src/model/image-model.js';
import { covered, expectCleanOrOneLine, fuzzSettings, mutate, prng } from '../helpers/mutate.js';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FathomError } from '../../src/errors.js';
import { readEngineStore } from '../../src/sources/engine/engine-store.js';
import { connect } from '../../src/sources/engine/connection.js';
import { scanTarSplitLayer, scanTarSplitLayerHere } from '../../src/layer/scan-headers.js';
import { indexLayerStream } from '../../src/layer/index-layer.js';
import { assembleLayerTar } from '../../src/layer/tar-split.js';
import { fromEngineStore } from '../../src/sources/engine/engine-source.js';
import type { Engine } from '../../src/sources/engine/connection.js';

const HAS_DOCKER = dockerAvailable();
const HAS_PODMAN = podmanAvailable();
const IS_ROOT = process.getuid?.() === 0;

const REFS: Record<(typeof IMAGES)[number], string> = {
  busybox: 'corpus/busybox:latest',
  edge: 'fixture/edge:latest',
  'many-layers': 'corpus/many-layers:latest',
  multistage: 'corpus/multistage:latest',
};

interface Inspected {
  engineRead?: string;
  source: string;
  image: { repoTags: string[] };
  files: { path: string; type: string; sizeBytes: number; layer: number }[];
  [k: string]: unknown;
}

/** The report without what names how and where it was opened: what must be equal from every path. */
function comparable(r: Inspected): Omit<Inspected, 'engineRead' | 'source'> {
  const { engineRead: _r, source: _s, ...rest } = r;
  return { ...rest, image: { ...r.image, repoTags: [] } };
}

function inspect(source: string, store: string, ...more: string[]): Inspected {
  const r = fathom(['inspect', source, '--json', '--store', store, ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Inspected;
}

/** Docker's own answers for the fixture (its `docker export`, via the shared comparer). */
function matchesDockerExport(image: string, json: string): { ok: boolean; said: string } {
  const r = spawnSync('python3', [path.join(FIXTURES, '..', 'hooks', 'compare_union.py'), path.join(FIXTURES, 'images', image, 'truth')], { input: json, encoding: 'utf8' });
  return { ok: r.status === 0, said: `${r.stdout}${r.stderr}` };
}

/** Member names of a tar, exactly (a name may hold a newline). */
async function tarNames(file: string): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  fs.createReadStream(file).pipe(extract);
  for await (const entry of extract) {
    names.push(entry.header.name);
    entry.resume();
  }
  return names;
}

/** A child process run without blocking this one (a socket proxy here must keep serving it). */
function runAsync(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-engine-store-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});
const newStore = () => fs.mkdtempSync(path.join(work, 'store-'));

for (const cli of ['docker', 'podman'] as const) {
  const available = cli === 'docker' ? HAS_DOCKER : HAS_PODMAN;
  // podman names images loaded from an archive under localhost/.
  const ref = (image: (typeof IMAGES)[number]) => (cli === 'podman' ? `localhost/${REFS[image]}` : REFS[image]);
  const run = cli === 'docker' ? docker : podman;

  describe.skipIf(!available || !IS_ROOT)(`${cli}: images read from the engine's own layer store (real ${cli})`, () => {
    const loaded: string[] = [];
    beforeAll(() => {
      for (const image of IMAGES) {
        if (engineHasImage(cli, ref(image))) continue;
        run('load', '-i', imagePath(image, 'docker-save.tar'));
        loaded.push(ref(image));
      }
    });
    afterAll(() => {
      for (const r of loaded) spawnSync(cli, ['rmi', r], { stdio: 'ignore' });
    });

    it.each(IMAGES)('%s: the store path gives what the export path gives, and the union is docker export', (image) => {
      const viaStore = inspect(`${cli}://${ref(image)}`, newStore(), '--engine-read', 'store');
      const viaExport = inspect(`${cli}://${ref(image)}`, newStore(), '--engine-read', 'export');
      expect(viaStore.engineRead).toBe('store');
      expect(viaExport.engineRead).toBe('export');
      expect(comparable(viaStore)).toEqual(comparable(viaExport));
      const against = matchesDockerExport(image, JSON.stringify(viaStore));
      expect(against.ok, against.said).toBe(true);
      // And both equal the fixture's own docker-save archive.
      expect(comparable(viaStore)).toEqual(comparable(inspect(imagePath(image, 'docker-save.tar'), newStore())));
    });

    it.each(IMAGES)("%s: each layer indexed from the engine's tar-split record alone (a first look) is the layer read whole", async (image) => {
      const id = run('image', 'inspect', '--format', '{{.Id}}', ref(image)).trim();
      const found = await readEngineStore(connect(cli), cli, id.startsWith('sha256:') ? id : `sha256:${id}`);
      for (const layer of found.layers) {
        const scanned = scanTarSplitLayer(layer, 'scan');
        // The same scan made on the main thread, in slices of no time (the loop turning after every segment).
        const sliced = await scanTarSplitLayerHere(layer, 'scan', 0);
        const { index, diffId } = await indexLayerStream(assembleLayerTar(layer, 'read'), { where: 'read', fullDigests: 'compressed' });
        expect(diffId).toBe(layer.diffId);
        for (const x of [scanned, sliced]) for (let i = 0; i < x.count; i++) x.ensureHead(i);
        const columns = (x: typeof index) => ({ paths: x.paths, kinds: [...x.kinds], sizes: [...x.sizes], modes: [...x.modes], mtimes: [...x.mtimes], offsets: [...x.offsets], heads: x.hashes.toString('hex'), links: [...x.links], stats: x.stats });
        expect(columns(scanned)).toEqual(columns(index));
        expect(columns(sliced)).toEqual(columns(index));
      }
    });

    it("every file's bytes read through the store path are the export's", async () => {
      const viaStore = new LayerStore(newStore());
      const viaArchive = new LayerStore(newStore());
      expect(fathom(['inspect', `${cli}://${ref('edge')}`, '--files', 'none', '--json', '--store', viaStore.root]).code).toBe(0);
      expect(fathom(['inspect', imagePath('edge', 'docker-save.tar'), '--files', 'none', '--json', '--store', viaArchive.root]).code).toBe(0);
      const record = viaStore.listImages()[0];
      let compared = 0;
      for (const { diffId } of record.layers) {
        expect(viaStore.readLayerMeta(diffId).blob.kind).toBe('engine');
        const index = viaStore.loadIndex(diffId);
        for (let e = 0; e < index.count; e++) {
          if (index.kinds[e] !== EntryKind.file || index.sizes[e] === 0) continue;
          const [a, b] = await Promise.all([viaStore, viaArchive].map((s) => readEntryContent(s, diffId, index.offsets[e], index.sizes[e])));
          expect(a.equals(b), index.paths[e]).toBe(true);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(20);
    });

    it("a fresh container's export holds exactly the union's paths (the engine's own files for a container apart)", async () => {
      const union = inspect(`${cli}://${ref('edge')}`, newStore());
      const id = run('create', ref('edge')).trim();
      try {
        const out = path.join(work, `${cli}-export.tar`);
        run('export', '-o', out, id);
        const exported = new Set((await tarNames(out)).map((p) => p.replace(/^\.?\//, '').replace(/\/$/, '')).filter((p) => p !== '' && p !== '.'));
        const seen = new Set(union.files.map((f) => f.path.replace(/^\//, '')));
        // What the engine adds to every container (mount points, its own files), whatever the image.
        const engineOwn = /^(\.dockerenv|\.containerenv|dev|proc|sys|etc\/(hosts|hostname|resolv\.conf|mtab)|run(\/\.containerenv)?)(\/|$)/;
        expect([...seen].filter((p) => !exported.has(p) && !engineOwn.test(p))).toEqual([]);
        expect([...exported].filter((p) => !seen.has(p) && !engineOwn.test(p))).toEqual([]);
      } finally {
        spawnSync(cli, ['rm', '-f', id], { stdio: 'ignore' });
      }
    });
  });
}

describe.skipIf(!HAS_DOCKER || !IS_ROOT)("the engine's layer store when it misbehaves (a copy of docker's, made here)", () => {
  let root: string;
  let loadedBusybox = false;
  const imageId = () => docker('image', 'inspect', '--format', '{{.Id}}', REFS.busybox).trim();
  /** An engine that says its data root is `dataRoot`: what fathom learns from `docker info`. */
  const engineAt = (dataRoot: string): Engine =>
    ({ kind: 'docker', endpoint: { kind: 'docker', url: 'unix:///copy', origin: 'test', options: {} }, docker: { info: async () => ({ DockerRootDir: dataRoot, Driver: 'overlay2' }) } }) as unknown as Engine;

  beforeAll(() => {
    if (!engineHasImage('docker', REFS.busybox)) {
      docker('load', '-i', imagePath('busybox', 'docker-save.tar'));
      loadedBusybox = true;
    }
  });
  afterAll(() => {
    if (loadedBusybox) spawnSync('docker', ['rmi', REFS.busybox], { stdio: 'ignore' });
  });

  /** Copies the busybox image's records and layer directory out of docker's data root (read only there). */
  function copyOfDockerRoot(): string {
    const real = docker('info', '--format', '{{.DockerRootDir}}').trim();
    root = fs.mkdtempSync(path.join(work, 'docker-root-'));
    const hex = imageId().slice(7);
    const diffId = JSON.parse(docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', REFS.busybox))[0] as string;
    const layerDir = path.join('image', 'overlay2', 'layerdb', 'sha256', diffId.slice(7));
    const cacheId = fs.readFileSync(path.join(real, layerDir, 'cache-id'), 'utf8').trim();
    for (const rel of [path.join('image', 'overlay2', 'imagedb', 'content', 'sha256', hex), layerDir, path.join('overlay2', cacheId, 'diff')]) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      execFileSync('cp', ['-a', path.join(real, rel), path.join(root, rel)]);
    }
    return path.join(root, 'overlay2', cacheId, 'diff');
  }

  async function openFromCopy(store: LayerStore) {
    const found = await readEngineStore(engineAt(root), 'docker', imageId());
    return ingestResolved(fromEngineStore(found, `docker://${REFS.busybox}`, imageId(), []), store);
  }

  it('an intact copy opens, and its layers are kept by reference to it', async () => {
    copyOfDockerRoot();
    const store = new LayerStore(newStore());
    const record = await openFromCopy(store);
    expect(store.readLayerMeta(record.layers[0].diffId).blob).toMatchObject({ kind: 'engine' });
  });

  it('a file changed in the layer directory fails the diff ID check, and nothing is stored', async () => {
    const diff = copyOfDockerRoot();
    const motd = path.join(diff, 'etc', 'motd');
    const text = fs.readFileSync(motd);
    fs.writeFileSync(motd, Buffer.from(text.toString('latin1').toUpperCase(), 'latin1'));
    const store = new LayerStore(newStore());
    await expect(openFromCopy(store)).rejects.toThrow(/diff ID mismatch/);
    expect(store.listImages()).toEqual([]);
    const layersDir = path.join(store.root, 'layers', 'sha256');
    expect(fs.existsSync(layersDir) ? fs.readdirSync(layersDir) : []).toEqual([]);
  });

  it('a layer directory that vanished after the open says so in one line when a file is read', async () => {
    const diff = copyOfDockerRoot();
    const store = new LayerStore(newStore());
    const record = await openFromCopy(store);
    const diffId = record.layers[0].diffId;
    const index = store.loadIndex(diffId);
    const e = [...Array(index.count).keys()].find((i) => index.kinds[i] === EntryKind.file && index.sizes[i] > 0)!;
    fs.rmSync(diff, { recursive: true, force: true });
    await expect(readEntryContent(store, diffId, index.offsets[e], index.sizes[e])).rejects.toThrow(/is gone: was the image removed\? Open it again$/);
  });

  it('a directory in the layer that is a symlink out of it is never followed', async () => {
    const diff = copyOfDockerRoot();
    const outside = fs.mkdtempSync(path.join(work, 'outside-'));
    fs.cpSync(path.join(diff, 'etc'), outside, { recursive: true });
    fs.rmSync(path.join(diff, 'etc'), { recursive: true });
    fs.symlinkSync(outside, path.join(diff, 'etc'));
    await expect(openFromCopy(new LayerStore(newStore()))).rejects.toThrow(/: entry "\.\/etc\/[^"]+" lies behind a symlink that leads out of the layer's directory$/);
  });

  it('a damaged tar-split record (seeded fuzzer over its JSON lines): the clean answer or one line, on the first look and on the open, never another tree', async () => {
    const diff = copyOfDockerRoot();
    const diffId = JSON.parse(docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', REFS.busybox))[0] as string;
    const record = path.join(root, 'image', 'overlay2', 'layerdb', 'sha256', diffId.slice(7), 'tar-split.json.gz');
    const text = gunzipSync(fs.readFileSync(record));
    const answer = async () => {
      const store = new LayerStore(newStore());
      try {
        return { ok: covered(new ImageModel(loadStoredImage(await openFromCopy(store), store))) };
      } catch (error) {
        return { error };
      } finally {
        fs.rmSync(store.root, { recursive: true, force: true });
      }
    };
    const clean = await answer();
    if (!('ok' in clean)) throw clean.error;
    const { seed, cases } = fuzzSettings(150);
    const rand = prng(seed);
    const counts = { same: 0, refused: 0 };
    for (let n = 0; n < cases; n++) {
      const { bytes, what } = mutate(text, rand);
      const label = `seed ${seed} case ${n}: tar-split ${what}`;
      fs.writeFileSync(record, gzipSync(bytes));
      // The first look reads the record alone: any index, or one line; nothing else.
      try {
        scanTarSplitLayer({ tarSplit: record, diffDir: diff }, 'look');
      } catch (e) {
        expect(e instanceof FathomError && !e.message.includes('\n'), `${label}: the first look failed with ${(e as Error).stack}`).toBe(true);
      }
      // The open puts the layer back together from it: it must still hash to the diff ID.
      counts[expectCleanOrOneLine(await answer(), clean.ok, label)]++;
      // A small layer opens without a real wait: let vitest's own messages through between cases.
      await new Promise((resolve) => setImmediate(resolve));
    }
    fs.writeFileSync(record, gzipSync(text));
    expect(counts.refused).toBeGreaterThan(cases / 2);
  }, 120_000);

  it('without permission to read the data root, the open falls back to the export and says why in one line', async () => {
    // fathom as nobody, reaching the engine through a socket nobody may use.
    const proxy = new SocketProxy(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-sock-')), 'docker.sock'));
    await proxy.up();
    fs.chmodSync(path.dirname(proxy.path), 0o755);
    fs.chmodSync(proxy.path, 0o777);
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-nobody-store-'));
    fs.chmodSync(store, 0o777);
    try {
      const asNobody = (...args: string[]) =>
        runAsync('runuser', ['-u', 'nobody', '--', process.execPath, path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args], {
          PATH: process.env.PATH ?? '',
          HOME: store,
          DOCKER_HOST: `unix://${proxy.path}`,
          FATHOM_CODE_CACHE: '0',
        });
      const r = await asNobody('inspect', `docker://${REFS.busybox}`, '--json', '--files', 'none', '--store', store);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).engineRead).toBe('export');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^fathom: docker:\/\/corpus\/busybox:latest: read through the engine's export: the engine's layer store can't be read here: .* is not readable \(EACCES/);
      const forced = await asNobody('inspect', `docker://${REFS.busybox}`, '--engine-read', 'store', '--store', path.join(store, 'forced'));
      expect(forced.code).toBe(2);
      expect(forced.stderr.trim().split('\n')).toHaveLength(1);
      expect(forced.stderr).toMatch(/layer store can't be read here: .*EACCES/);
    } finally {
      await proxy.down();
      fs.rmSync(store, { recursive: true, force: true });
      fs.rmSync(path.dirname(proxy.path), { recursive: true, force: true });
    }
  });
});
