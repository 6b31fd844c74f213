import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { SocketProxy } from '../helpers/socket-proxy.js';
import { connect } from '../../src/sources/engine/connection.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';
import { EngineImageList, listEngineImages } from '../../src/sources/engine/images.js';

const HAS_DOCKER = dockerAvailable();
const PREFIX = `fathom-live-${process.pid}`;
let work: string;
let base: string;

describe.skipIf(!HAS_DOCKER)('engine image list and a daemon that goes away (real dockerd)', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-live-'));
    base = ensureBaseImage();
  });
  afterAll(() => {
    for (const c of docker('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', c);
    for (const t of docker('images', '--format', '{{.Repository}}:{{.Tag}}', `${PREFIX}/*`).split('\n').filter(Boolean)) docker('rmi', t);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('lists images with the sizes docker reports, shared and unique', async () => {
    const images = await listEngineImages(connect('docker'));
    const ids = [...new Set(docker('images', '--no-trunc', '-q').trim().split('\n'))];
    expect(new Set(images.map((i) => i.id))).toEqual(new Set(ids));
    const b = images.find((i) => i.repoTags.includes(base))!;
    expect(b.sizeBytes).toBe(Number(docker('image', 'inspect', '--format', '{{.Size}}', base).trim()));
    expect(b.sharedBytes + b.uniqueBytes).toBe(b.sizeBytes);
    expect(b.dangling).toBe(false);
  });

  it('keeps the image list fresh from the event stream', async () => {
    const list = await new EngineImageList(connect('docker')).start();
    const tag = `${PREFIX}/tagged:1`;
    docker('tag', base, tag);
    await expect.poll(() => list.list().some((i) => i.repoTags.includes(tag)), { timeout: 5000, interval: 50 }).toBe(true);
    docker('rmi', tag);
    await expect.poll(() => list.list().some((i) => i.repoTags.includes(tag)), { timeout: 5000, interval: 50 }).toBe(false);
    list.stop();
  });

  it('a watcher says "disconnected, retrying" when the daemon goes away and recovers by itself', async () => {
    const name = `${PREFIX}-restart`;
    docker('run', '-d', '--network', 'none', '--name', name, base, 'sleep', '300');
    const proxy = new SocketProxy(path.join(work, 'docker.sock'));
    await proxy.up();
    const watcher = new ContainerWatcher(connect('docker', `unix://${proxy.path}`), name, { intervalMs: 200 }).start();
    await watcher.ready();
    expect(watcher.status().message).toBe('running');
    await proxy.down();
    await expect.poll(() => watcher.status().state, { timeout: 5000, interval: 50 }).toBe('disconnected');
    expect(watcher.status().message).toMatch(/^disconnected, retrying in \d+s/);
    docker('exec', name, 'sh', '-c', 'echo while-away > /written-while-away.txt');
    await proxy.up();
    await expect.poll(() => watcher.status().state, { timeout: 8000, interval: 50 }).toBe('live');
    await expect.poll(() => watcher.snapshot().some((c) => c.path === '/written-while-away.txt'), { timeout: 5000, interval: 50 }).toBe(true);
    watcher.stop();
    await proxy.down();
  });
});
