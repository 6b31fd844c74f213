import fs from 'node:fs';
import { median, timed } from './timed.js';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from '../../src/sources/engine/connection.js';
import { firstFrameOfOpen } from './binary-frame.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';

export interface EngineBench {
  /** The ~1 GB engine bench image: its size and entries. */
  imageBytes: number;
  entries: number;
  /** First open through the engine's own layer store, and through its export (medians); peak RSS of each. */
  storeOpenMs: number;
  storeRssKb: number | null;
  /** The UI's first frame of a first open through the layer store (the real binary in tmux), from process start; null without tmux. */
  storeFirstFrameMs: number | null;
  exportOpenMs: number;
  exportRssKb: number | null;
  /** `docker save IMAGE > /dev/null`, the export alone, in the same runs. */
  dockerSaveMs: number;
  /** Reopen with every layer in fathom's store (median). */
  warmOpenMs: number;
  diveMs: number | null;
  liveLatencyMs: number[];
}


/**
 * The engine bench: a ~1 GB, 37.5k-entry image (built once, cached in `work`, loaded into dockerd) opened
 * through the engine's layer store and through its export, beside `docker save > /dev/null` in the same
 * runs; then the reopen, and a write in a container to the watcher's event.
 */
/**
 * Lets the disk settle before a timed engine run: each run ends by deleting ~1 GB (Docker its export's
 * temporary copy, fathom a store's spooled layers), and on this VM's ext4 (mounted with `discard`) the
 * next export written straight after it was prepared slower. Measured first without this, `docker save`
 * after a layer store open took 6.4 s and after an export open 7.2 s, which moved the ratio by 0.1.
 */
function settleDisk(): void {
  spawnSync('sync');
  spawnSync('sleep', ['2']);
}

export async function runEngineBench(bin: string, work: string, runs = 3): Promise<EngineBench | null> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) return null;
  const ref = 'fathom-bench/engine:1';
  const dir = path.join(work, 'engine-image');
  const made = path.join(dir, 'made.json');
  if (!fs.existsSync(made)) {
    const { writeEngineBenchImage } = await import('./engine-image.js');
    fs.writeFileSync(made, JSON.stringify(await writeEngineBenchImage(dir, ref)));
  }
  const image = JSON.parse(fs.readFileSync(made, 'utf8')) as { archive: string; layerTars: string[]; entries: number };
  if (spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status !== 0) execFileSync('docker', ['load', '-q', '-i', image.archive]);
  const imageBytes = image.layerTars.reduce((n, f) => n + fs.statSync(f).size, 0);
  const open = (how: 'store' | 'export') => {
    const store = fs.mkdtempSync(path.join(work, 'engine-store-'));
    try {
      settleDisk();
      return timed(process.execPath, [bin, 'inspect', `docker://${ref}`, '--engine-read', how, '--json', '--files', 'none', '--store', store]);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  };
  const devNull = fs.openSync('/dev/null', 'w');
  const byStore: ReturnType<typeof timed>[] = [];
  const byExport: ReturnType<typeof timed>[] = [];
  const saves: number[] = [];
  // Interleaved, so the engine's own speed (which varies a lot) weighs on both alike.
  for (let i = 0; i < runs; i++) {
    settleDisk();
    saves.push(timed('docker', ['save', ref], devNull).ms);
    byExport.push(open('export'));
    byStore.push(open('store'));
  }
  fs.closeSync(devNull);
  // `fathom docker://IMAGE`, as a user opens it: the layer store is read (auto), each run into a fresh store.
  const frameStores: string[] = [];
  const storeFirstFrameMs = await firstFrameOfOpen(bin, `docker://${ref}`, () => {
    frameStores.push(fs.mkdtempSync(path.join(work, 'engine-store-')));
    return frameStores.at(-1)!;
  }, runs);
  for (const d of frameStores) fs.rmSync(d, { recursive: true, force: true });
  const store = fs.mkdtempSync(path.join(work, 'engine-store-'));
  timed(process.execPath, [bin, 'inspect', `docker://${ref}`, '--json', '--files', 'none', '--store', store]);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(timed(process.execPath, [bin, 'inspect', `docker://${ref}`, '--json', '--files', 'none', '--store', store]).ms);
  fs.rmSync(store, { recursive: true, force: true });
  const onPath = spawnSync('sh', ['-c', 'command -v dive'], { stdio: 'ignore' }).status === 0;
  const diveMs = onPath ? timed('dive', ['--source', 'docker', ref, '--json', path.join(work, 'dive-engine.json')]).ms : null;
  const rssOf = (xs: ReturnType<typeof timed>[]) => (xs.every((x) => x.rssKb !== null) ? median(xs.map((x) => x.rssKb!)) : null);

  const name = `fathom-bench-live-${process.pid}`;
  const base = spawnSync('docker', ['image', 'inspect', 'fathom-test/base:1'], { stdio: 'ignore' }).status === 0 ? 'fathom-test/base:1' : null;
  const liveLatencyMs: number[] = [];
  if (base) {
    execFileSync('docker', ['run', '-d', '--network', 'none', '--name', name, base, 'sleep', '120']);
    const watcher = new ContainerWatcher(connect('docker'), name).start(); // default 1 s interval
    await watcher.ready();
    for (let i = 0; i < 5; i++) {
      const file = `/bench-${i}.txt`;
      let seenAt = 0;
      const off = watcher.subscribe((u) => {
        if (u?.appeared.some((c) => c.path === file)) seenAt = Date.now();
      });
      const wroteAt = Date.now();
      execFileSync('docker', ['exec', name, 'sh', '-c', `echo ${i} > ${file}`]);
      while (!seenAt && Date.now() - wroteAt < 5000) await new Promise((r) => setTimeout(r, 10));
      off();
      liveLatencyMs.push(seenAt ? seenAt - wroteAt : Infinity);
    }
    watcher.stop();
    execFileSync('docker', ['rm', '-f', name]);
  }
  return {
    imageBytes,
    entries: image.entries,
    storeOpenMs: median(byStore.map((x) => x.ms)),
    storeRssKb: rssOf(byStore),
    storeFirstFrameMs,
    exportOpenMs: median(byExport.map((x) => x.ms)),
    exportRssKb: rssOf(byExport),
    dockerSaveMs: median(saves),
    warmOpenMs: median(warm),
    diveMs,
    liveLatencyMs,
  };
}
