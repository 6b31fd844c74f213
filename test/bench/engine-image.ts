import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomFillSync } from 'node:crypto';
import tar from 'tar-stream';
import { imageConfigBytes } from '../helpers/oci.js';

/** One file of a bench layer: a path and how many bytes of (incompressible) content. */
interface BenchFile {
  name: string;
  size: number;
}

/**
 * The engine bench image: ~1 GB in 4 layers and ~38k entries, shaped like a real application image
 * (a base of many small files, one 400 MB layer, a mixed layer, an app layer that overwrites a few).
 */
function layerPlans(): BenchFile[][] {
  const base: BenchFile[] = [];
  for (let d = 0; d < 250; d++) for (let f = 0; f < 100; f++) base.push({ name: `usr/lib/p${d}/f${f}.so`, size: 800 + ((d * 131 + f * 17) % 9000) });
  const big: BenchFile[] = [{ name: 'opt/model/weights.bin', size: 400 << 20 }, { name: 'opt/model/README', size: 2000 }];
  const mixed: BenchFile[] = [];
  for (let d = 0; d < 100; d++) for (let f = 0; f < 100; f++) mixed.push({ name: `srv/data/d${d}/x${f}.dat`, size: f % 25 === 0 ? 1 << 20 : 4000 + ((d * 7 + f * 13) % 20000) });
  const app: BenchFile[] = [];
  for (let f = 0; f < 2000; f++) app.push({ name: `app/src/m${f}.js`, size: 3000 + ((f * 29) % 30000) });
  for (let f = 0; f < 500; f++) app.push({ name: `usr/lib/p${f % 250}/f${f % 100}.so`, size: 1500 });
  return [base, big, mixed, app];
}

/** Writes one layer tar to `file`, hashing it on the way: its diff ID. */
async function writeLayer(file: string, files: BenchFile[], seed: number): Promise<string> {
  const pack = tar.pack();
  const hash = createHash('sha256');
  const out = fs.createWriteStream(file);
  pack.on('data', (c: unknown) => void hash.update(c as Buffer));
  pack.pipe(out);
  const mtime = new Date('2024-01-01T00:00:00Z');
  const block = Buffer.alloc(1 << 20);
  randomFillSync(block);
  const dirs = new Set<string>();
  let n = seed;
  for (const f of files) {
    const parts = f.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime });
    }
    const entry = pack.entry({ name: f.name, size: f.size, mode: 0o644, mtime });
    // Distinct content per file (a counter in front of a random block), written in 1 MB pieces.
    for (let done = 0; done < f.size; ) {
      const piece = Buffer.from(block.subarray(0, Math.min(block.length, f.size - done)));
      piece.writeUInt32LE(n++ >>> 0, 0);
      if (!entry.write(piece)) await new Promise<void>((r) => entry.once('drain', () => r()));
      done += piece.length;
    }
    entry.end(Buffer.alloc(0));
  }
  pack.finalize();
  await new Promise<void>((r) => out.on('close', () => r()));
  return `sha256:${hash.digest('hex')}`;
}

/** Writes the engine bench image as a `docker save` archive (legacy layout), for `docker load`. */
export async function writeEngineBenchImage(dir: string, ref: string): Promise<{ archive: string; layerTars: string[]; entries: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const plans = layerPlans();
  const layerTars: string[] = [];
  const diffIds: string[] = [];
  for (let l = 0; l < plans.length; l++) {
    const file = path.join(dir, `engine-layer-${l}.tar`);
    diffIds.push(await writeLayer(file, plans[l], l * 1_000_003));
    layerTars.push(file);
  }
  const config = imageConfigBytes(diffIds, plans.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `/bin/sh -c make engine bench layer ${i}` })));
  const configHex = createHash('sha256').update(config).digest('hex');
  const archive = path.join(dir, 'engine-docker-save.tar');
  const pack = tar.pack();
  const out = fs.createWriteStream(archive);
  pack.pipe(out);
  const names = diffIds.map((d) => `${d.slice(7, 71)}/layer.tar`);
  for (let l = 0; l < layerTars.length; l++) {
    const entry = pack.entry({ name: names[l], size: fs.statSync(layerTars[l]).size, mode: 0o644 });
    for await (const chunk of fs.createReadStream(layerTars[l], { highWaterMark: 1 << 20 })) {
      if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
    entry.end(Buffer.alloc(0));
  }
  pack.entry({ name: `${configHex}.json` }, config);
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [ref], Layers: names }]));
  pack.finalize();
  await new Promise<void>((r) => out.on('close', () => r()));
  const entries = plans.reduce((n, p) => n + p.length, 0);
  return { archive, layerTars, entries };
}
