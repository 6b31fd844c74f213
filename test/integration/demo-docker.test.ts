import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../helpers/docker.js';
import { LayerStore } from '../../store/store.js';
import { connect } from '../../src/sources/engine/connection.js';
import { prepareDockerDemo } from '../../demo/docker-world.js';
import { compareImages } from '../../src/analysis/compare.js';
import { changeRows } from '../../src/report/inspect-report.js';
import type { DemoWorld } from '../../demo/world.js';

const HAS_DOCKER = dockerAvailable();
let world: DemoWorld | null = null;
let dir: string | null = null;
afterAll(() => {
  world?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAS_DOCKER)('fathom demo --docker builds the same stories with a real engine', () => {
  it('FileX vs FileY, the 20 MB waste, the build cache, and commit = diff all hold on real images', async () => {
    // Made by the test, not when the file loads: a run that filters this test out leaves nothing behind.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-demo-docker-'));
    world = await prepareDockerDemo(new LayerStore(dir), connect('docker'), () => {});
    const m = (n: string) => world!.models.get(n)!;
    const xy = compareImages(m('demo/filex:1'), m('demo/filey:1'));
    expect(xy.files.map((f) => f.path).sort()).toEqual(['/usr/bin/git', '/var/cache/apt/pkgcache.bin', '/var/lib/apt/lists/deb.debian.org_dists_bookworm_main_Packages'].sort()); // random bytes differ per build; paths and sizes do not
    expect(xy.files.every((f) => f.change === 'modified' && f.what.join() === 'content' && f.sizeBytesA === f.sizeBytesB)).toBe(true);
    expect(m('demo/filex:1').layerCount).toBe(m('demo/filey:1').layerCount + 1);
    expect(m('demo/bigfile:1').waste().inefficiencies[0]).toMatchObject({ path: '/tmp/dataset.bin', sizeBytes: 20_000_000 });
    // A real WORKDIR makes its directory (a layer); the story holds either way: the good order shares
    // everything but the last COPY, the bad order loses package.json and npm install too.
    const good = m('demo/cache-good:v1');
    expect(compareImages(good, m('demo/cache-good:v2')).sharedLayers).toBe(good.layerCount - 1);
    expect(compareImages(good, m('demo/cache-good:v2')).sharedLayers - compareImages(m('demo/cache-bad:v1'), m('demo/cache-bad:v2')).sharedLayers).toBe(2);
    const committed = m('demo/committed:1');
    const top = changeRows(committed, committed.layerCount - 1).map((r) => `${r.change === 'added' ? 'A' : r.change === 'removed' ? 'D' : 'C'} ${r.path}`);
    expect(top.sort()).toEqual(['A /hello', 'A /world', 'C /etc', 'C /etc/app', 'C /etc/app/settings.conf', 'D /etc/motd']);
  }, 240_000);
});
