import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContainerLog, actOnContainer } from '../../src/sources/engine/container-actions.js';
import { engineHasImage, podman, podmanAvailable } from '../helpers/podman.js';
import { fathom } from '../helpers/cli.js';
import { imagePath } from '../helpers/fixtures.js';
import { connect } from '../../src/sources/engine/connection.js';
import { listEngineImages, EngineImageList } from '../../src/sources/engine/images.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';
import type { FeedUpdate } from '../../src/model/change-feed.js';

const HAS_PODMAN = podmanAvailable();
const EDGE = 'localhost/fixture/edge:latest';
const PREFIX = `fathom-test-${process.pid}`;
// This machine's hard limits are below podman's defaults for root (nofile 1048576): ask for less.
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** How podman's history prints a size: decimal units, three significant digits ("2.05 kB", "0 B"). */
function podmanUnits(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

describe.skipIf(!HAS_PODMAN)('podman for real (podman system service)', () => {
  let work: string;
  let loaded = false;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-podman-'));
    if (!engineHasImage('podman', EDGE)) {
      podman('load', '-i', imagePath('edge', 'docker-save.tar'));
      loaded = true;
    }
  });
  afterAll(() => {
    for (const c of podman('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) spawnSync('podman', ['rm', '-f', '-t', '0', c], { stdio: 'ignore' });
    for (const t of podman('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter((t) => t.startsWith(`localhost/${PREFIX}/`))) spawnSync('podman', ['rmi', t], { stdio: 'ignore' });
    if (loaded) spawnSync('podman', ['rmi', EDGE], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  });
  const store = () => fs.mkdtempSync(path.join(work, 'store-'));

  it("podman://IMAGE: podman's image ID and tags; podman history's sizes are the layers' tar lengths", () => {
    const r = fathom(['inspect', `podman://${EDGE}`, '--json', '--files', 'none', '--store', store()]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.image.id).toBe(`sha256:${podman('image', 'inspect', '--format', '{{.Id}}', EDGE).trim()}`);
    expect(report.image.repoTags).toEqual([EDGE]);
    // podman history (newest first, --human=false still prints units) sizes a layer by its tar's length,
    // which fathom reports as the blob's size of a layer read from podman (a plain tar); fathom's own
    // sizeBytes stays Docker's (file bytes), the same from every source.
    const history = podman('history', '--no-trunc', '--format', '{{.Size}}', EDGE).trim().split('\n').reverse();
    const tarBytes = report.history.map((h: { layerIndex: number | null }) => (h.layerIndex === null ? 0 : report.layers[h.layerIndex].compressedBytes));
    expect(tarBytes.map(podmanUnits)).toEqual(history);
  });

  it("the image list is podman's: IDs, tags and sizes as `podman images` gives them", async () => {
    const images = await listEngineImages(connect('podman'));
    const want = podman('images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}').trim().split('\n');
    for (const line of want) {
      const [id, tag] = line.split(' ');
      const found = images.find((i) => i.id === (id.startsWith('sha256:') ? id : `sha256:${id}`));
      expect(found, line).toBeDefined();
      if (!tag.startsWith('<none>')) expect(found!.repoTags).toContain(tag);
    }
    const edge = images.find((i) => i.repoTags.includes(EDGE))!;
    expect(edge.sizeBytes).toBe(Number(podman('image', 'inspect', '--format', '{{.Size}}', EDGE).trim()));
    const cli = fathom(['images', '--podman', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).find((i: { repoTags: string[] }) => i.repoTags.includes(EDGE))).toBeDefined();
  });

  it('keeps the image list fresh from podman events', async () => {
    const list = await new EngineImageList(connect('podman')).start();
    const tag = `localhost/${PREFIX}/tagged:1`;
    podman('tag', EDGE, tag);
    await expect.poll(() => list.list().some((i) => i.repoTags.includes(tag)), { timeout: 8000, interval: 100 }).toBe(true);
    podman('rmi', tag);
    await expect.poll(() => list.list().some((i) => i.repoTags.includes(tag)), { timeout: 8000, interval: 100 }).toBe(false);
    list.stop();
  });

  it('podman containers are acted on and their logs followed as docker\'s are (podman stop/start/restart/rm, podman logs)', async () => {
    const name = `${PREFIX}-act`;
    // EDGE's entrypoint is `sh -c`: the script is its one argument.
    const id = podman('run', '-d', ...LIMITS, '--network', 'none', '--name', name, EDGE, 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "pod $i"; sleep 0.2; done').trim();
    const engine = connect('podman');
    const log = await new ContainerLog(engine, id).start();
    try {
      await vi.waitFor(() => expect(log.lines.map((l) => l.text)).toContain('pod 3'), { timeout: 15_000, interval: 50 });
    } finally {
      log.stop();
    }
    const state = () => podman('inspect', '--format', '{{.State.Status}}', name).trim();
    await actOnContainer(engine, id, 'stop', true);
    expect(state()).toBe('exited');
    await actOnContainer(engine, id, 'start', false);
    expect(state()).toBe('running');
    await actOnContainer(engine, id, 'restart', true);
    expect(state()).toBe('running');
    await actOnContainer(engine, id, 'remove', true);
    expect(podman('ps', '-aq', '--filter', `id=${id}`).trim()).toBe('');
  }, 60_000);

  it('container changes equal podman diff, sizes equal podman ps -s', () => {
    const name = `${PREFIX}-diff`;
    podman('run', ...LIMITS, '--network', 'none', '--name', name, EDGE, 'echo added > /edge/new.txt && mkdir -p /edge/d/e && head -c 4096 /dev/zero > /edge/d/e/four.bin && echo more >> /edge/overwrite.txt && rm /etc/motd');
    const r = fathom(['container', name, '--podman', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const diff = podman('diff', name).trim().split('\n').sort();
    expect(report.changes.map((c: { kind: string; path: string }) => `${c.kind} ${c.path}`).sort()).toEqual(diff);
    const api = JSON.parse(podman('ps', '-a', '-s', '--filter', `name=${name}`, '--format', 'json'))[0] as { Size: { rwSize: number; rootFsSize: number } };
    expect(report.sizeRwBytes).toBe(api.Size.rwSize);
    expect(report.sizeRootFsBytes).toBe(api.Size.rootFsSize);
    const byPath = Object.fromEntries(report.changes.map((c: { path: string }) => [c.path, c]));
    expect(byPath['/edge/d/e/four.bin']).toMatchObject({ kind: 'A', type: 'file', sizeBytes: 4096 });
    expect(byPath['/etc/motd']).toMatchObject({ kind: 'D' });
  });

  it('the live watcher sees a write inside a running podman container, then its removal', async () => {
    const name = `${PREFIX}-live`;
    podman('run', '-d', ...LIMITS, '--network', 'none', '--name', name, EDGE, 'sleep 300');
    const watcher = new ContainerWatcher(connect('podman'), name, { intervalMs: 250 }).start();
    const updates: FeedUpdate[] = [];
    watcher.subscribe((u) => u && updates.push(u));
    await watcher.ready();
    podman('exec', name, 'sh', '-c', 'echo hello > /edge/live.txt');
    await expect.poll(() => updates.flatMap((u) => u.appeared).find((c) => c.path === '/edge/live.txt'), { timeout: 5000, interval: 50 }).toMatchObject({ kind: 'A', sizeBytes: 6 });
    podman('rm', '-f', '-t', '0', name);
    await expect.poll(() => watcher.status().state, { timeout: 10_000, interval: 100 }).toBe('gone');
    watcher.stop();
  });
});
