/**
 * `npm run bench`: fathom against its peers on the same data, as ratios from one run.
 * Peers: GNU `tar -t` over the same layer blobs, and dive when it is on PATH.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeBenchImage } from './bench-image.js';
import { firstFrameOfBinary } from './binary-frame.js';
import type { runUiBench } from './ui-bench.js';
import { runEngineBench } from './engine-bench.js';
import { runRegistryBench } from './registry-bench.js';
import { gigabyteImage, halfMillionImage, runFirstOpenBench, type FirstOpenFigures } from './first-open-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const bin = path.join(root, 'bin', 'fathom.js');
const work = process.env.FATHOM_BENCH_DIR ?? path.join(os.tmpdir(), 'fathom-bench');
const RUNS = Number(process.env.FATHOM_BENCH_RUNS ?? 5);

function timeCmd(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label: string, fn: () => number): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(fn());
  const m = median(times);
  console.log(`  ${label.padEnd(58)} ${m.toFixed(1).padStart(9)} ms`);
  return m;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** The largest fixture image (edge), from a warm store: the binary's first frame, and keystrokes in-process. */
/** The in-process UI bench, run from its own bundle (dist/ui-bench.cjs): the code that ships, stand-ins and all. */
function uiBench(storeDir: string, imageId: string, lastLayer: number, label: string): Awaited<ReturnType<typeof runUiBench>> {
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'ui-bench.cjs'), storeDir, imageId, String(lastLayer), label], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ui bench failed: ${r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  for (const line of lines.slice(0, -1)) console.log(line);
  return JSON.parse(lines.at(-1)!) as Awaited<ReturnType<typeof runUiBench>>;
}

async function fixtureImage(): Promise<{ firstFrameMs: number | null; ui: Awaited<ReturnType<typeof runUiBench>> } | null> {
  const fixture = path.resolve(root, '../shared/fixtures/images/edge/docker-save.tar');
  if (!fs.existsSync(fixture)) return null;
  const store = fs.mkdtempSync(path.join(work, 'store-edge-'));
  timeCmd(process.execPath, [bin, 'inspect', fixture, '--json', '--files', 'none', '--store', store]);
  const record = JSON.parse(spawnSync(process.execPath, [bin, 'store', 'ls', '--json', '--store', store], { encoding: 'utf8' }).stdout)[0];
  const ms = await firstFrameOfBinary(bin, store, record.id);
  if (ms !== null) console.log(`  ${'first frame, fixture edge image (binary, from start)'.padEnd(58)} ${ms.toFixed(1).padStart(9)} ms`);
  const ui = uiBench(store, record.id, record.layers - 1, 'fixture edge image');
  fs.rmSync(store, { recursive: true, force: true });
  return { firstFrameMs: ms, ui };
}

async function main() {
  const layers = Number(process.env.FATHOM_BENCH_LAYERS ?? 5);
  const filesPerLayer = Number(process.env.FATHOM_BENCH_FILES ?? 20_000);
  console.log(`fathom bench — synthetic image: ${layers} layers × ${filesPerLayer} files (cached in ${work})`);
  const marker = path.join(work, `ready-${layers}-${filesPerLayer}`);
  if (!fs.existsSync(marker)) {
    fs.rmSync(work, { recursive: true, force: true });
    const made = await writeBenchImage(work, layers, filesPerLayer);
    fs.writeFileSync(marker, JSON.stringify(made));
  }
  const image = JSON.parse(fs.readFileSync(marker, 'utf8')) as Awaited<ReturnType<typeof writeBenchImage>>;
  const plainLayers = fs.readdirSync(path.join(work, 'plain-layers')).map((f) => path.join(work, 'plain-layers', f));
  const tarBytes = plainLayers.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`  ${image.entries} entries, ${(tarBytes / 1e6).toFixed(0)} MB of layer tars\n`);

  const fresh = () => fs.mkdtempSync(path.join(work, 'store-'));
  const cleanup = () => {
    for (const d of fs.readdirSync(work)) if (d.startsWith('store-')) fs.rmSync(path.join(work, d), { recursive: true, force: true });
  };

  console.log('Cold open (nothing in the store; every blob read, hashed and indexed):');
  const tarPlain = measure('GNU tar -t over the plain layer tars', () => plainLayers.reduce((n, f) => n + timeCmd('tar', ['-tf', f]), 0));
  const tarGz = measure('GNU tar -tz over the gzip layer blobs', () => image.layerFiles.reduce((n, f) => n + timeCmd('tar', ['-tzf', f]), 0));
  const coldPlain = measure('fathom inspect docker-save.tar (plain layers)', () => timeCmd(process.execPath, [bin, 'inspect', image.dockerSave, '--json', '--files', 'none', '--store', fresh()]));
  const coldGz = measure('fathom inspect oci (gzip layers)', () => timeCmd(process.execPath, [bin, 'inspect', image.ociGzip, '--json', '--files', 'none', '--store', fresh()]));
  cleanup();
  let dive: number | null = null;
  if (onPath('dive')) {
    dive = measure('dive --source docker-archive --json', () => timeCmd('dive', ['--source', 'docker-archive', image.dockerSave, '--json', path.join(work, 'dive.json')], { CI: 'true' }));
  } else console.log('  dive: not on PATH — install dive to compare against it');

  console.log('\nWarm reopen (layers already in the store):');
  const warmStore = fresh();
  timeCmd(process.execPath, [bin, 'inspect', image.dockerSave, '--json', '--files', 'none', '--store', warmStore]);
  const warm = measure('fathom inspect (full analysis), store warm', () => timeCmd(process.execPath, [bin, 'inspect', image.dockerSave, '--json', '--files', 'none', '--store', warmStore]));
  const nodeStart = measure('(node startup alone, for reference)', () => timeCmd(process.execPath, ['-e', '0']));

  const imageId = JSON.parse(spawnSync(process.execPath, [bin, 'store', 'ls', '--json', '--store', warmStore], { encoding: 'utf8' }).stdout)[0].id;
  // Resident memory moves with when V8 hands freed pages back: each figure is the median of three runs.
  const rssRuns = [0, 1, 2].map(() => JSON.parse(spawnSync(process.execPath, ['--expose-gc', path.join(here, 'rss.js'), warmStore, imageId], { encoding: 'utf8' }).stdout));
  const median = (key: string) => rssRuns.map((r) => r[key] as number).sort((a, b) => a - b)[1];
  const rss = { ...rssRuns[0], ...Object.fromEntries(['perEntry', 'rawPerEntry', 'fixedBytes', 'heapPerEntry', 'browsingPerEntry', 'browsingHeapPerEntry'].map((k) => [k, median(k)])) };

  console.log('\nInteractive UI (in-process, fake 120×40 terminal):');
  const ui = uiBench(warmStore, imageId, layers - 1, '101k-entry image');
  const binaryFrame = await firstFrameOfBinary(bin, warmStore, imageId);
  if (binaryFrame !== null) console.log(`  ${'first frame, the real binary in tmux (from process start)'.padEnd(58)} ${binaryFrame.toFixed(1).padStart(9)} ms`);
  const fixture = await fixtureImage();
  const small = fixture?.firstFrameMs ?? null;
  console.log('\nFirst open at size (docker save archives, empty store; each image built once and cached):');
  const big: FirstOpenFigures[] = [];
  for (const make of [gigabyteImage, halfMillionImage]) {
    const figures = await runFirstOpenBench(bin, work, await make(work));
    big.push(figures);
    const mb = (kb: number | null) => (kb === null ? '' : `  (peak RSS ${(kb / 1024).toFixed(0)} MB)`);
    const line = (label: string, ms: number | null, extra = '') => console.log(`  ${label.padEnd(58)} ${ms === null ? '        —' : ms.toFixed(1).padStart(9)} ms${extra}`);
    console.log(`  ${figures.image.label}: ${(figures.tarBytes / 1e9).toFixed(2)} GB of layer tars, ${figures.image.entries} entries`);
    line('  fathom inspect (every blob verified)', figures.inspectMs, mb(figures.inspectRssKb));
    line('  fathom UI, first frame (binary in tmux, from start)', figures.firstFrameMs);
    line('  fathom reopen', figures.reopenMs);
    line('  fathom inspect, OCI layout with gzip layers', figures.ociGzipMs, mb(figures.ociGzipRssKb));
    line('  GNU tar -t over the layer tars', figures.tarMs);
    line('  gzip -dc | tar -t over the gzip blobs', figures.gzipTarMs);
    if (figures.diveMs !== null) line('  dive --source docker-archive', figures.diveMs, mb(figures.diveRssKb));
    else console.log('    dive: not on PATH — install dive to compare against it');
  }
  console.log('\nEngine (docker://, when a daemon answers; the ~1 GB engine bench image, built once):');
  const engine = await runEngineBench(bin, work);
  if (engine) {
    const mb = (kb: number | null) => (kb === null ? '' : `  (peak RSS ${(kb / 1024).toFixed(0)} MB)`);
    console.log(`  ${`${(engine.imageBytes / 1e9).toFixed(2)} GB of layer tars, ${engine.entries} entries`.padEnd(58)}`);
    console.log(`  ${'docker save IMAGE > /dev/null'.padEnd(58)} ${engine.dockerSaveMs.toFixed(1).padStart(9)} ms`);
    console.log(`  ${"fathom first open, the engine's layer store".padEnd(58)} ${engine.storeOpenMs.toFixed(1).padStart(9)} ms${mb(engine.storeRssKb)}`);
    if (engine.storeFirstFrameMs !== null) console.log(`  ${"fathom UI first frame via the layer store (tmux)".padEnd(58)} ${engine.storeFirstFrameMs.toFixed(1).padStart(9)} ms`);
    console.log(`  ${"fathom first open, the engine's export".padEnd(58)} ${engine.exportOpenMs.toFixed(1).padStart(9)} ms${mb(engine.exportRssKb)}`);
    console.log(`  ${'fathom reopen (every layer in the store)'.padEnd(58)} ${engine.warmOpenMs.toFixed(1).padStart(9)} ms`);
    if (engine.diveMs !== null) console.log(`  ${'dive --source docker (re-exports every time)'.padEnd(58)} ${engine.diveMs.toFixed(1).padStart(9)} ms`);
    else console.log('  dive: not on PATH — install dive to compare against it');
  } else console.log('  no engine answers: skipped');
  console.log('\nRegistry (registry://, Debian\'s docker-registry on 127.0.0.1; the same ~1 GB image, pushed once):');
  const registry = await runRegistryBench(bin, work, path.resolve(root, '../shared/fixtures'));
  if (registry) {
    const mb = (kb: number | null) => (kb === null ? '' : `  (peak RSS ${(kb / 1024).toFixed(0)} MB)`);
    console.log(`  ${`${(registry.compressedBytes / 1e6).toFixed(0)} MB of compressed layers in the registry`.padEnd(58)}`);
    console.log(`  ${'skopeo copy docker://… oci:DIR (download and verify only)'.padEnd(58)} ${registry.skopeoMs.toFixed(1).padStart(9)} ms${mb(registry.skopeoRssKb)}`);
    console.log(`  ${'fathom first open (download, inflate, verify, index)'.padEnd(58)} ${registry.firstOpenMs.toFixed(1).padStart(9)} ms${mb(registry.firstOpenRssKb)}`);
    console.log(`  ${'fathom reopen (manifest and config again, layers stored)'.padEnd(58)} ${registry.reopenMs.toFixed(1).padStart(9)} ms`);
    if (registry.auditColdMs !== null) {
      console.log(`  ${`fathom audit of ${registry.auditImages} fixture images, empty store`.padEnd(58)} ${registry.auditColdMs.toFixed(1).padStart(9)} ms`);
      console.log(`  ${'fathom audit of the same, store warm'.padEnd(58)} ${registry.auditWarmMs!.toFixed(1).padStart(9)} ms`);
    }
  } else console.log('  docker-registry or skopeo not on PATH: skipped');

  console.log('\nResults (ratios from this run):');
  const row = (name: string, value: string, target: string, ok: boolean | null) => console.log(`  ${name.padEnd(46)} ${value.padStart(14)}   target ${target.padEnd(16)} ${ok === null ? '' : ok ? 'OK' : 'MISSED'}`);
  row('cold open plain / tar -t', `${(coldPlain / tarPlain).toFixed(2)}×`, '< 1× (below tar)', coldPlain < tarPlain);
  row('cold open gzip / tar -tz', `${(coldGz / tarGz).toFixed(2)}×`, '≤ dive', null);
  if (dive !== null) {
    row('cold open plain / dive', `${(coldPlain / dive).toFixed(2)}×`, '≤ 1×', coldPlain <= dive);
    row('dive / warm reopen', `${(dive / warm).toFixed(1)}×`, '≥ 10×', dive / warm >= 10);
  }
  row('warm reopen, inspect with full analysis', `${warm.toFixed(0)} ms`, '(see first frame)', null);
  row('RSS per entry, opened + analysed (median of 3)', `${rss.perEntry.toFixed(0)} B`, '≤ 300 B', rss.perEntry <= 300);
  row('  heap kept per entry', `${rss.heapPerEntry.toFixed(0)} B`, '', null);
  row(`  browsing: + the ${rss.browsingRows}-row aggregated tree`, `${rss.browsingPerEntry.toFixed(0)} B`, '(≤ 300 B)', rss.browsingPerEntry <= 300);
  row('    heap kept per entry while browsing', `${rss.browsingHeapPerEntry.toFixed(0)} B`, '', null);
  row('  raw: all RSS growth / entries', `${rss.rawPerEntry.toFixed(0)} B`, `(incl. V8's fixed ${(rss.fixedBytes / 1e6).toFixed(0)} MB)`, null);
  if (engine) {
    row('engine store first open', `${engine.storeOpenMs.toFixed(0)} ms`, '≤ 500 ms', engine.storeOpenMs <= 500);
    if (engine.storeFirstFrameMs !== null) row('engine store first open, UI first frame', `${engine.storeFirstFrameMs.toFixed(0)} ms`, '(verifying beside it)', null);
    if (engine.diveMs !== null) row('engine store first open / dive --source docker', `${(engine.storeOpenMs / engine.diveMs).toFixed(3)}×`, '≤ 0.05×', engine.storeOpenMs / engine.diveMs <= 0.05);
    row('engine export first open / docker save', `${(engine.exportOpenMs / engine.dockerSaveMs).toFixed(2)}×`, '≤ 1.1×', engine.exportOpenMs / engine.dockerSaveMs <= 1.1);
    row('engine store first open / docker save', `${(engine.storeOpenMs / engine.dockerSaveMs).toFixed(2)}×`, '(no export at all)', null);
    row('engine reopen', `${engine.warmOpenMs.toFixed(0)} ms`, '≤ 350 ms', engine.warmOpenMs <= 350);
    const worst = Math.max(...engine.liveLatencyMs);
    if (engine.liveLatencyMs.length) row('live diff: write → watcher event (max of 5)', `${worst.toFixed(0)} ms`, '≤ 1000 ms', worst <= 1000);
  }
  if (registry) {
    row('registry first open / skopeo copy', `${(registry.firstOpenMs / registry.skopeoMs).toFixed(2)}×`, '≤ 0.8×', registry.firstOpenMs / registry.skopeoMs <= 0.8);
    row('registry reopen', `${registry.reopenMs.toFixed(0)} ms`, '≤ 350 ms', registry.reopenMs <= 350);
  }
  for (const f of big) {
    const name = f.image.entries > 200_000 ? '500k' : '1 GB';
    row(`${name}: inspect / tar -t`, `${(f.inspectMs / f.tarMs).toFixed(2)}×`, '', null);
    row(`${name}: OCI gzip / gzip -dc | tar -t`, `${(f.ociGzipMs / f.gzipTarMs).toFixed(2)}×`, '≤ 0.45×', f.ociGzipMs / f.gzipTarMs <= 0.45);
    if (name === '500k') {
      row('500k: inspect (first open)', `${(f.inspectMs / 1000).toFixed(2)} s`, '≤ 4 s', f.inspectMs <= 4000);
      row('500k: peak RSS', f.inspectRssKb === null ? '?' : `${(f.inspectRssKb / 1024).toFixed(0)} MB`, '≤ 400 MB', f.inspectRssKb === null ? null : f.inspectRssKb <= 400 * 1024);
    }
    if (f.diveMs !== null) {
      row(`${name}: inspect / dive`, `${(f.inspectMs / f.diveMs).toFixed(2)}×`, '≤ 0.5×', f.inspectMs / f.diveMs <= 0.5);
      if (f.firstFrameMs !== null) row(`${name}: first frame / dive`, `${(f.firstFrameMs / f.diveMs).toFixed(2)}×`, '≤ 0.25×', f.firstFrameMs / f.diveMs <= 0.25);
      row(`${name}: dive / reopen`, `${(f.diveMs / f.reopenMs).toFixed(1)}×`, '≥ 20×', f.diveMs / f.reopenMs >= 20);
      if (f.diveRssKb !== null && f.inspectRssKb !== null) row(`${name}: peak RSS / dive's`, `${(f.inspectRssKb / f.diveRssKb).toFixed(2)}×`, '≤ 1×', f.inspectRssKb <= f.diveRssKb);
    } else {
      row(`${name}: first frame of a first open`, f.firstFrameMs === null ? '?' : `${f.firstFrameMs.toFixed(0)} ms`, '≤ 0.25× dive', null);
      row(`${name}: reopen`, `${f.reopenMs.toFixed(0)} ms`, '(dive re-reads)', null);
    }
  }
  if (ui) {
    row('first frame, 101k-entry image (in-process)', `${ui.firstFrameMs.toFixed(0)} ms`, '≤ 150 ms', ui.firstFrameMs <= 150);
    if (binaryFrame !== null) row('first frame, 101k-entry image (binary, from start)', `${binaryFrame.toFixed(0)} ms`, '≤ 150 ms', binaryFrame <= 150);
    if (small !== null) row('first frame, fixture edge image (binary, from start)', `${small.toFixed(0)} ms`, '≤ 150 ms', small <= 150);
    row(`keystroke → frame p95 (${ui.rows} rows)`, `${ui.keyP95Ms.toFixed(1)} ms`, '≤ 16 ms', ui.keyP95Ms <= 16);
    if (fixture?.ui) row(`keystroke → frame p95 (edge fixture, ${fixture.ui.rows} rows)`, `${fixture.ui.keyP95Ms.toFixed(1)} ms`, '≤ 16 ms', fixture.ui.keyP95Ms <= 16);
    row('full-screen clears while moving', String(ui.clears + (fixture?.ui?.clears ?? 0)), '0', ui.clears + (fixture?.ui?.clears ?? 0) === 0);
  }
  console.log(`\n  (node itself starts in ${nodeStart.toFixed(0)} ms; every fathom figure includes it)`);
  fs.rmSync(warmStore, { recursive: true, force: true });
}

await main();
