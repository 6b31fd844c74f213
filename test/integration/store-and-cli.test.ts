import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { FIGURES_VERSION } from '../../src/model/layer-figures.js';
import { seal, unseal } from '../../store/sealed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fathom } from '../helpers/cli.js';
import { FORMATS, IMAGES, PROJECT_ROOT, imagePath, truthJson } from '../helpers/fixtures.js';
import { LayerStore } from '../../store/store.js';
import { readEntryContent } from '../../src/layer/read-content.js';
import { EntryKind } from '../../src/model/entry.js';
import { writeOciLayout } from '../helpers/oci.js';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-store-cli-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const newStore = () => fs.mkdtempSync(path.join(work, 'store-'));
const storedLayers = (store: string) => {
  const dir = path.join(store, 'layers', 'sha256');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
};

describe('the layer store', () => {
  it('two fathom processes opening the same image at once agree and corrupt nothing', async () => {
    const store = newStore();
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/fathom.js'), 'inspect', imagePath('edge', 'oci-gzip'), '--json', '--store', store]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(storedLayers(store)).toHaveLength(17); // 18 layers, one diff ID twice
    for (const hex of storedLayers(store)) expect(fs.existsSync(path.join(store, 'layers/sha256', hex, 'meta.json'))).toBe(true);
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
  });

  it('a reopen reads nothing but metadata: it works with the layer blobs gone from the source', () => {
    const store = newStore();
    const dir = path.join(work, 'warm-oci');
    fs.cpSync(imagePath('many-layers', 'oci-zstd'), dir, { recursive: true });
    const first = fathom(['inspect', dir, '--json', '--store', store]);
    expect(first.code).toBe(0);
    const manifestBlobs = new Set<string>();
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    const manifestHex = index.manifests[0].digest.slice(7);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'blobs/sha256', manifestHex), 'utf8'));
    for (const l of manifest.layers) manifestBlobs.add(l.digest.slice(7));
    for (const hex of manifestBlobs) fs.rmSync(path.join(dir, 'blobs/sha256', hex), { force: true });
    const second = fathom(['inspect', dir, '--json', '--store', store]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).files).toEqual(JSON.parse(first.stdout).files);
  });

  it('kill -9 in the middle of reading a layer leaves no half-written layer, and the next open succeeds', async () => {
    const store = newStore();
    const dir = path.join(work, 'big-oci');
    const src = path.join(work, 'big-src');
    fs.mkdirSync(src);
    execFileSync('truncate', ['-s', '400M', path.join(src, 'big.bin')]);
    execFileSync('tar', ['-cf', path.join(work, 'big-layer.tar'), '-C', src, 'big.bin']);
    writeOciLayout(dir, [fs.readFileSync(path.join(work, 'big-layer.tar'))]);
    fs.rmSync(path.join(work, 'big-layer.tar'));
    // --copy-blobs: the store writes the blob itself, so a half-written copy is there to be left behind.
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/fathom.js'), 'inspect', dir, '--json', '--files', 'none', '--copy-blobs', '--store', store]);
    // Wait until the ingest has started writing, then kill it without warning.
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      const tmp = path.join(store, 'tmp');
      const busy = fs.existsSync(tmp) && fs.readdirSync(tmp).some((d) => fs.existsSync(path.join(tmp, d, 'blob')) && fs.statSync(path.join(tmp, d, 'blob')).size > 1 << 20);
      if (busy) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(storedLayers(store)).toEqual([]);
    expect(fs.existsSync(path.join(store, 'images')) ? fs.readdirSync(path.join(store, 'images')) : []).toEqual([]);
    const again = fathom(['inspect', dir, '--json', '--files', 'none', '--store', store]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).layers[0].sizeBytes).toBe(400 * 1024 * 1024);
    // gc clears what the killed process left in tmp/.
    expect(fathom(['store', 'gc', '--store', store]).code).toBe(0);
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
  }, 120_000);

  it('a reopen takes the image\'s figures from the store; figures of another version are computed afresh', () => {
    const store = newStore();
    const src = imagePath('edge', 'docker-save.tar');
    const first = fathom(['inspect', src, '--json', '--files', 'none', '--store', store]);
    expect(first.code, first.stderr).toBe(0);
    const id = JSON.parse(first.stdout).image.id as string;
    const file = path.join(store, 'figures', `${id.slice(7)}.json`);
    const kept = JSON.parse(unseal(fs.readFileSync(file))!.toString('utf8'));
    expect(kept.version).toBe(FIGURES_VERSION);
    expect(kept.layers).toHaveLength(18);
    expect(kept.waste.efficiencyScore).toBe(JSON.parse(first.stdout).analysis.efficiencyScore);
    // Same answers from the kept figures as from computing them.
    const second = fathom(['inspect', src, '--json', '--files', 'none', '--store', store]);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    // They are really read: an altered figure, sealed as the store seals it, shows...
    const altered = { ...kept, waste: { ...kept.waste, efficiencyScore: 0.123 }, layers: kept.layers.map((l: object) => ({ ...l, added: 7 })) };
    fs.writeFileSync(file, seal(Buffer.from(JSON.stringify(altered))));
    const read = JSON.parse(fathom(['inspect', src, '--json', '--files', 'none', '--store', store]).stdout);
    expect(read.analysis.efficiencyScore).toBe(0.123);
    expect(read.layers[3].added).toBe(7);
    // ...but not one whose seal does not match (edited, or damaged): then they are computed again...
    fs.writeFileSync(file, JSON.stringify(altered));
    expect(JSON.parse(fathom(['inspect', src, '--json', '--files', 'none', '--store', store]).stdout)).toEqual(JSON.parse(first.stdout));
    // ...and neither is one of another version.
    fs.writeFileSync(file, seal(Buffer.from(JSON.stringify({ ...kept, version: 0, waste: { ...kept.waste, efficiencyScore: 0.123 } }))));
    expect(JSON.parse(fathom(['inspect', src, '--json', '--files', 'none', '--store', store]).stdout)).toEqual(JSON.parse(first.stdout));
    expect(fathom(['store', 'rm', id, '--store', store]).code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a damaged file index in the store is refused with one clear line when the image is opened', () => {
    const store = newStore();
    expect(fathom(['inspect', imagePath('busybox', 'docker-save.tar'), '--json', '--files', 'none', '--store', store]).code).toBe(0);
    const [hex] = storedLayers(store);
    const file = path.join(store, 'layers', 'sha256', hex, 'index.bin');
    const good = fs.readFileSync(file);
    const headerEnd = 12 + good.readUInt32LE(8);
    const damages: [string, Buffer][] = [
      ['truncated', good.subarray(0, good.length - 7)],
      ['wrong magic', Buffer.concat([Buffer.from('NOTFATHM'), good.subarray(8)])],
      // A separator between two paths turned into a letter: one path fewer than entries (same length, so only the count can tell).
      ['a path separator gone', Buffer.from(good.map((b, i) => (i === good.indexOf(0, headerEnd) ? 0x78 : b)))],
    ];
    for (const [what, bytes] of damages) {
      fs.writeFileSync(file, bytes);
      const r = fathom(['inspect', 'store://corpus/busybox', '--json', '--store', store]);
      expect([what, r.code]).toEqual([what, 2]);
      expect(r.stderr).toMatch(new RegExp(`^fathom: store layer sha256:${hex}: the stored file index is damaged; run \`fathom store rm\` on this image and open it again\n$`));
    }
    fs.writeFileSync(file, good);
    expect(fathom(['inspect', 'store://corpus/busybox', '--json', '--files', 'none', '--store', store]).code).toBe(0);
  });

  it('store ls, rm and gc', () => {
    const store = newStore();
    expect(fathom(['inspect', imagePath('busybox', 'docker-save.tar'), '--json', '--files', 'none', '--store', store]).code).toBe(0);
    expect(fathom(['inspect', imagePath('multistage', 'docker-save.tar'), '--json', '--files', 'none', '--store', store]).code).toBe(0);
    const ls = JSON.parse(fathom(['store', 'ls', '--json', '--store', store]).stdout);
    expect(ls.map((r: { repoTags: string[] }) => r.repoTags[0]).sort()).toEqual(['corpus/busybox:latest', 'corpus/multistage:latest']);
    expect(fathom(['store', 'path', '--store', store]).stdout.trim()).toBe(store);
    // The two share the busybox base layer: removing one image keeps it.
    expect(fathom(['store', 'rm', 'corpus/multistage', '--store', store]).code).toBe(0);
    expect(fathom(['inspect', 'store://corpus/busybox', '--json', '--files', 'none', '--store', store]).code).toBe(0);
    const missing = fathom(['inspect', 'store://corpus/multistage', '--store', store]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such image in the store/);
  });
});

describe("a file's bytes read back from the store", () => {
  it.each(IMAGES)("%s: from every format, each file's offset in its layer and its bytes are those of the docker save archive", async (image) => {
    const opened = (format: string) => {
      const store = new LayerStore(newStore());
      const r = fathom(['inspect', imagePath(image, format), '--json', '--files', 'none', '--store', store.root]);
      expect(r.code, r.stderr).toBe(0);
      return store;
    };
    const plain = opened('docker-save.tar');
    let compared = 0;
    for (const format of FORMATS.filter((f) => f !== 'docker-save.tar')) {
      const other = opened(format);
      for (const { diffId } of other.listImages()[0].layers) {
        const [a, b] = [other.loadIndex(diffId), plain.loadIndex(diffId)];
        // Where a layer's inflater cut a tar header between two chunks (zstd's blocks do), its file's
        // content was placed a block late: viewing it read the wrong bytes.
        expect([...a.offsets], `${format} ${diffId}`).toEqual([...b.offsets]);
        for (let e = 0; e < a.count; e++) {
          if (a.kinds[e] !== EntryKind.file || a.sizes[e] === 0) continue;
          const n = Math.min(a.sizes[e], 512);
          const [x, y] = await Promise.all([readEntryContent(other, diffId, a.offsets[e], n), readEntryContent(plain, diffId, b.offsets[e], n)]);
          expect(x.equals(y), `${format}: ${a.paths[e]}`).toBe(true);
          compared++;
        }
      }
    }
    // At least a file of each format compared (busybox has one file, the rest links).
    expect(compared).toBeGreaterThanOrEqual(FORMATS.length - 1);
  }, 120_000);
});

describe('fathom inspect', () => {
  it('--layer N --files changes lists that layer\'s change set, removals included', () => {
    const r = fathom(['inspect', imagePath('edge', 'docker26-save.tar'), '--json', '--layer', '3', '--files', 'changes', '--store', newStore()]);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).files;
    expect(files.filter((f: { change: string }) => f.change === 'removed')).toEqual([
      { path: '/edge/random-2MiB.bin', type: 'file', sizeBytes: 2097152, mode: '0644', uid: 0, gid: 0, linkTarget: null, layer: 3, change: 'removed' },
    ]);
  });

  it('a modification says what differs: a content edit, a chmod and a chown are told apart; a touch is no change', () => {
    const store = newStore();
    const changesOf = (layer: number) =>
      JSON.parse(fathom(['inspect', imagePath('edge', 'oci-zstd'), '--json', '--layer', String(layer), '--files', 'changes', '--store', store]).stdout).files as { path: string; change: string; differs?: string[] }[];
    const at = (layer: number, path: string) => changesOf(layer).find((f) => f.path === path);
    expect(at(4, '/edge/overwrite.txt')).toMatchObject({ change: 'modified', differs: ['content'] });
    expect(at(5, '/edge/chmod-only.txt')).toMatchObject({ change: 'modified', differs: ['mode'] });
    expect(at(5, '/edge/chmod-only-dir')).toMatchObject({ change: 'modified', differs: ['mode'] });
    expect(at(6, '/edge/chown-only.txt')).toMatchObject({ change: 'modified', differs: ['uid', 'gid'] });
    const touched = at(7, '/edge/touch-only.txt')!;
    expect(touched.change).toBe('unmodified');
    expect(touched).not.toHaveProperty('differs');
    // The union view carries the same, for the layer that made the change.
    const union = JSON.parse(fathom(['inspect', imagePath('edge', 'oci-zstd'), '--json', '--layer', '5', '--store', store]).stdout).files;
    expect(union.find((f: { path: string }) => f.path === '/edge/chmod-only.txt')).toMatchObject({ change: 'modified', differs: ['mode'], layer: 5 });
  });

  it('reports every history row, empty metadata rows included', () => {
    const r = JSON.parse(fathom(['inspect', imagePath('edge', 'oci-gzip'), '--json', '--files', 'none', '--store', newStore()]).stdout);
    const summary = truthJson<{ history_count: number; empty_layer_history_count: number }>('edge', 'summary.json');
    expect(r.history).toHaveLength(summary.history_count);
    expect(r.history.filter((h: { emptyLayer: boolean }) => h.emptyLayer)).toHaveLength(summary.empty_layer_history_count);
    expect(r.image.config).toMatchObject({ entrypoint: ['/bin/sh', '-c'], cmd: ['ls -la /edge'], workingDir: '/edge', exposedPorts: ['8080/tcp'] });
  });

  it('rejects a layer number out of range', () => {
    const r = fathom(['inspect', imagePath('busybox', 'oci-gzip'), '--json', '--layer', '5', '--store', newStore()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--layer must be 0\.\.0/);
  });
});

describe('fathom ci (dive\'s CI gate)', () => {
  it('passes with dive\'s defaults on a lean image and fails on the wasteful one', () => {
    const store = newStore();
    const lean = fathom(['ci', imagePath('multistage', 'oci-gzip'), '--store', store], {}, work);
    expect(lean.code).toBe(0);
    expect(lean.stdout).toMatch(/Result:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]/);
    const wasteful = fathom([imagePath('edge', 'oci-gzip'), '--ci', '--store', store], {}, work);
    expect(wasteful.code).toBe(1);
    expect(wasteful.stdout).toMatch(/FAIL: lowestEfficiency: image efficiency is too low/);
    expect(wasteful.stdout).toMatch(/2\.1MB\s+\/edge\/random-2MiB\.bin/);
  });

  it('reads .dive-ci rules and lets flags override them', () => {
    const store = newStore();
    const dir = fs.mkdtempSync(path.join(work, 'ci-'));
    fs.writeFileSync(path.join(dir, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1MB\n  highestUserWastedPercent: disabled\n');
    const r = fathom(['ci', imagePath('edge', 'docker-save.tar'), '--json', '--store', store], {}, dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.results.map((x: { rule: string; status: string }) => `${x.rule}:${x.status}`)).toEqual([
      'highestUserWastedPercent:SKIP',
      'highestWastedBytes:FAIL',
      'lowestEfficiency:PASS',
    ]);
    const overridden = fathom(['ci', imagePath('edge', 'docker-save.tar'), '--highestWastedBytes', 'disabled', '--store', store], {}, dir);
    expect(overridden.code).toBe(0);
  });
});

describe('fathom diff', () => {
  it('finds the shared base layer and the files that differ', () => {
    const r = fathom(['diff', imagePath('busybox', 'docker-save.tar'), imagePath('many-layers', 'oci-zstd'), '--json', '--store', newStore()]);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.sharedLayers).toBe(1);
    expect(d.firstDifferentLayer).toBe(null);
    expect(d.files.some((f: { path: string; change: string }) => f.path === '/layers/counter' && f.change === 'added')).toBe(true);
    expect(d.files.every((f: { change: string }) => f.change === 'added' || f.change === 'modified')).toBe(true);
  });
});
