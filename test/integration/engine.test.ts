import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, docker, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { fathom } from '../helpers/cli.js';
import { connect } from '../../src/sources/engine/connection.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';
import type { FeedUpdate } from '../../src/model/change-feed.js';

const HAS_DOCKER = dockerAvailable();
const APP = 'fathom-test/app:1';
const APP2 = 'fathom-test/app:2';
const PREFIX = `fathom-test-${process.pid}`;
let work: string;

describe.skipIf(!HAS_DOCKER)('the Docker engine (real dockerd)', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-engine-'));
    const base = ensureBaseImage();
    buildImage(
      APP,
      `FROM ${base}
RUN mkdir -p /app/dir /app/replace-me && echo one > /app/a.txt && echo keep > /app/dir/keep.txt && echo gone > /app/gone.txt && echo same > /app/chmod.txt && echo old > /app/replace-me/old.txt && head -c 3000 /dev/zero > /app/blob.bin
RUN rm /app/gone.txt && echo two >> /app/a.txt && ln -s /app/a.txt /app/link
ENV APP_MODE=test
EXPOSE 8080
CMD ["sh"]
`,
    );
    // Shares the base and first layers with APP (the build cache), then differs.
    buildImage(APP2, `FROM ${APP}\nRUN echo v2 > /app/version\n`);
  });

  afterAll(() => {
    for (const c of docker('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', c);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const store = () => fs.mkdtempSync(path.join(work, 'store-'));

  it('docker://IMAGE and its `docker save` archive give identical JSON, sizes equal docker history and inspect', () => {
    const s = store();
    const fromEngine = fathom(['inspect', `docker://${APP}`, '--json', '--store', s]);
    expect(fromEngine.code, fromEngine.stderr).toBe(0);
    const archive = path.join(work, 'app.tar');
    docker('save', '-o', archive, APP);
    const fromArchive = fathom(['inspect', archive, '--json', '--store', store()]);
    expect(fromArchive.code, fromArchive.stderr).toBe(0);
    const a = { ...JSON.parse(fromEngine.stdout), source: null, engineRead: undefined };
    const b = { ...JSON.parse(fromArchive.stdout), source: null };
    expect(a).toEqual(b);
    const history = docker('history', '--no-trunc', '--human=false', '--format', '{{.Size}}', APP).trim().split('\n').map(Number).reverse();
    expect(a.history.map((h: { layerIndex: number | null }) => (h.layerIndex === null ? 0 : a.layers[h.layerIndex].sizeBytes))).toEqual(history);
    expect(a.image.sizeBytes).toBe(Number(docker('image', 'inspect', '--format', '{{.Size}}', APP).trim()));
    expect(a.image.id).toBe(docker('image', 'inspect', '--format', '{{.Id}}', APP).trim());
  });

  it('through the export: a second open exports nothing; an image sharing base layers skips the stored ones', async () => {
    const s = store();
    const appId = docker('image', 'inspect', '--format', '{{.Id}}', APP).trim();
    const now = () => (Date.now() / 1000).toFixed(3);
    const since = now();
    expect(fathom(['inspect', `docker://${APP}`, '--engine-read', 'export', '--json', '--files', 'none', '--store', s]).code).toBe(0);
    const layersAfterFirst = fs.readdirSync(path.join(s, 'layers', 'sha256')).length;
    const mid = now();
    expect(fathom(['inspect', `docker://${APP}`, '--engine-read', 'export', '--json', '--files', 'none', '--store', s]).code).toBe(0);
    // Read from the engine's own layer store (the default where it can be), nothing is exported at all.
    const viaStore = fathom(['inspect', `docker://${APP}`, '--json', '--files', 'none', '--store', store()]);
    expect(JSON.parse(viaStore.stdout).engineRead).toBe('store');
    await new Promise((r) => setTimeout(r, 1100)); // events are stamped in whole seconds on some engines
    const until = now();
    const saves = (from: string, to: string) =>
      docker('events', '--since', from, '--until', to, '--filter', 'type=image', '--filter', 'event=save', '--filter', `image=${appId}`, '--format', '{{.Action}}').split('\n').filter(Boolean).length;
    expect(saves(since, mid)).toBe(1);
    expect(saves(mid, until)).toBe(0);
    expect(fathom(['inspect', `docker://${APP2}`, '--engine-read', 'export', '--json', '--files', 'none', '--store', s]).code).toBe(0);
    // Only APP2's one new layer was added to the store.
    expect(fs.readdirSync(path.join(s, 'layers', 'sha256')).length).toBe(layersAfterFirst + 1);
  });

  it('a bare image reference opens from the engine when no such file exists', () => {
    const r = fathom(['inspect', APP, '--json', '--files', 'none', '--store', store()]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).source).toBe(`docker://${APP}`);
  });

  it('container changes equal docker diff, sizes equal docker ps -s', () => {
    const name = `${PREFIX}-diff`;
    docker(
      'run',
      '--network',
      'none',
      '--name',
      name,
      APP,
      'sh',
      '-c',
      [
        'echo added > /app/new.txt',
        'mkdir -p /app/newdir/sub && head -c 4096 /dev/zero > /app/newdir/sub/four.bin',
        'echo more >> /app/a.txt',
        'chmod 600 /app/chmod.txt',
        'rm /app/dir/keep.txt',
        'rm /etc/motd',
        'rm -rf /app/replace-me && mkdir /app/replace-me && echo new > /app/replace-me/new.txt',
      ].join(' && '),
    );
    const r = fathom(['container', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const diff = docker('diff', name).trim().split('\n').sort();
    expect(report.changes.map((c: { kind: string; path: string }) => `${c.kind} ${c.path}`).sort()).toEqual(diff);
    const ps = JSON.parse(docker('ps', '-a', '-s', '--no-trunc', '--filter', `name=${name}`, '--format', '{{json .}}').trim());
    expect(ps.Size).toMatch(/^\S+ \(virtual \S+\)$/);
    const api = JSON.parse(docker('container', 'inspect', '--size', '--format', '{{json .}}', name));
    expect(report.sizeRwBytes).toBe(api.SizeRw);
    expect(report.sizeRootFsBytes).toBe(api.SizeRootFs);
    expect(report.graphDriver.name).toBe(api.GraphDriver.Name);
    const byPath = Object.fromEntries(report.changes.map((c: { path: string }) => [c.path, c]));
    expect(byPath['/app/newdir/sub/four.bin']).toMatchObject({ kind: 'A', type: 'file', sizeBytes: 4096 });
    expect(byPath['/app/a.txt']).toMatchObject({ kind: 'C', type: 'file', sizeBytes: 13 });
    expect(byPath['/etc/motd']).toMatchObject({ kind: 'D', type: 'file' });
    if (report.sizesFrom === 'upperdir') {
      // The writable layer's regular bytes are exactly what docker ps -s calls its size.
      const files = report.changes.filter((c: { kind: string; type: string }) => c.kind !== 'D' && c.type === 'file');
      expect(files.reduce((n: number, c: { sizeBytes: number }) => n + c.sizeBytes, 0)).toBe(api.SizeRw);
    }
  });

  it('the live watcher reports a write inside a running container, then its removal', async () => {
    const name = `${PREFIX}-live`;
    docker('run', '-d', '--network', 'none', '--name', name, APP, 'sleep', '300');
    const watcher = new ContainerWatcher(connect('docker'), name, { intervalMs: 250 }).start();
    const updates: FeedUpdate[] = [];
    watcher.subscribe((u) => u && updates.push(u));
    await watcher.ready();
    const wroteAt = Date.now();
    docker('exec', name, 'sh', '-c', 'echo hello > /app/live.txt');
    await expect.poll(() => updates.flatMap((u) => u.appeared).find((c) => c.path === '/app/live.txt'), { timeout: 5000, interval: 50 }).toMatchObject({ kind: 'A', sizeBytes: 6 });
    const seen = updates.flatMap((u) => u.appeared).find((c) => c.path === '/app/live.txt')!;
    expect(seen.firstSeen - wroteAt).toBeLessThan(2000);
    docker('exec', name, 'sh', '-c', 'echo more >> /app/live.txt');
    await expect.poll(() => updates.flatMap((u) => u.changed).find((c) => c.path === '/app/live.txt')?.sizeBytes, { timeout: 5000, interval: 50 }).toBe(11);
    docker('rm', '-f', name);
    await expect.poll(() => watcher.status().state, { timeout: 8000, interval: 50 }).toBe('gone');
    watcher.stop();
  });

  it('with no daemon: one line saying where fathom looked and how to point it elsewhere', () => {
    const r = fathom(['inspect', 'docker://x'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('fathom: no docker engine answers at unix:///nonexistent/docker.sock (from DOCKER_HOST); set DOCKER_HOST, switch `docker context`, or use --host\n');
    const c = fathom(['container', 'x', '--host', 'unix:///nonexistent/docker.sock']);
    expect(c.stderr).toMatch(/^fathom: no docker engine answers at unix:\/\/\/nonexistent\/docker\.sock \(from --host\)/);
  });

  it('an image deleted from the engine keeps working from the store', () => {
    const s = store();
    const tag = 'fathom-test/deleted:1';
    docker('tag', APP, tag);
    expect(fathom(['inspect', `docker://${tag}`, '--json', '--files', 'none', '--store', s]).code).toBe(0);
    docker('rmi', tag);
    const r = fathom(['inspect', `store://${tag}`, '--json', '--store', s]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files.some((f: { path: string }) => f.path === '/app/a.txt')).toBe(true);
  });
});
