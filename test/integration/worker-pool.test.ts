import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { indexWorkers, WORKER_MIN_BYTES } from '../../store/index-workers.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { dockerSaveOf, tarOfFiles } from '../helpers/layers.js';
import { writeOciLayout } from '../helpers/oci.js';
import { indexLayerStream } from '../../src/layer/index-layer.js';
import { randomBytes } from 'node:crypto';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-worker-pool-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A first open, into a store of its own, of an image of two layers big enough for the workers (named by `name`). */
async function openTwoBigLayers(name: string, onProgress: () => void): ReturnType<typeof openImage> {
  const body = (fill: number) => Buffer.alloc(WORKER_MIN_BYTES + 4096, fill);
  const layers = [await tarOfFiles([{ name: `${name}-a.bin`, body: body(1) }]), await tarOfFiles([{ name: `${name}-b.bin`, body: body(2) }])];
  const archive = path.join(work, `${name}.tar`);
  fs.writeFileSync(archive, await dockerSaveOf(layers, `fathom-test/pool:${name}`, [`${name} a`, `${name} b`]));
  const store = new LayerStore(path.join(work, `store-${name}`));
  return openImage(fileSource(parseSourceSpec(archive) as Extract<ReturnType<typeof parseSourceSpec>, { path: string }>), store, { onProgress });
}

describe('the index worker pool', () => {
  it('reads big layers on worker threads and ends them once idle, so their heaps do not stay beside the main one', async () => {
    const pool = indexWorkers();
    expect(pool, 'the bundled worker script (npm run build) is missing').not.toBeNull();
    let busy = 0;
    const opened = await openTwoBigLayers('one', () => (busy = Math.max(busy, pool!.size)));
    expect(opened.layers.map((l) => l.stats.dockerSizeBytes)).toEqual([WORKER_MIN_BYTES + 4096, WORKER_MIN_BYTES + 4096]);
    expect(busy).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(pool!.size).toBe(0);
  });

  it('ends the readers as soon as the last layer is read, not after the idle delay', async () => {
    const pool = indexWorkers()!;
    let busy = 0;
    await openTwoBigLayers('two', () => (busy = Math.max(busy, pool.size)));
    expect(busy).toBeGreaterThan(0);
    // At once: the main thread stacks the last layer next, and no timer of its own could end them meanwhile.
    expect(pool.size).toBe(0);
  });

  it('a big gzip layer read on a worker (its pieces read ahead into two buffers that take turns) indexes as the layer read in place', async () => {
    // Incompressible bodies, so the blob is big enough for a worker; files of every shape across the
    // reader's 4 MB pieces: small ones between them, big ones spanning several.
    const files = [];
    for (let i = 0; i < 40; i++) files.push({ name: `small/f${i}.bin`, body: randomBytes(1 + ((i * 7919) % 70_000)) });
    for (let i = 0; i < 5; i++) files.push({ name: `big/b${i}.bin`, body: randomBytes((3 << 20) + i * 1_234_567) });
    const layer = await tarOfFiles(files);
    const dir = path.join(work, 'gzip-layout');
    const { layerBlobs } = writeOciLayout(dir, [layer], { gzip: true, gzipLevel: 1 });
    expect(fs.statSync(layerBlobs[0]).size).toBeGreaterThan(WORKER_MIN_BYTES);
    const opened = await openImage(fileSource(parseSourceSpec(dir) as Extract<ReturnType<typeof parseSourceSpec>, { path: string }>), new LayerStore(path.join(work, 'store-gzip')), {});
    const inPlace = (await indexLayerStream([layer], { where: 'reference', fullDigests: 'all' })).index;
    const index = opened.layers[0];
    expect(index.paths).toEqual(inPlace.paths);
    expect([...index.sizes]).toEqual([...inPlace.sizes]);
    expect(Buffer.compare(index.hashes, inPlace.hashes)).toBe(0);
    expect(new Map([...index.fullDigests].map(([i, d]) => [i, d.toString('hex')]))).toEqual(new Map([...inPlace.fullDigests].map(([i, d]) => [i, d.toString('hex')])));
  });
});

