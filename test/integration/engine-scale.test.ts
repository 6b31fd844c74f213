import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';
import { connect } from '../../src/sources/engine/connection.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';

const HAS_DOCKER = dockerAvailable();
const PREFIX = `fathom-scale-${process.pid}`;

/** Samples how late a 10 ms timer fires: the worst delay is how long the event loop was blocked. */
function lagMonitor() {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  return { stop: () => (clearInterval(timer), worst) };
}

describe.skipIf(!HAS_DOCKER)('watching many containers and big writable layers (real dockerd)', () => {
  afterAll(() => {
    for (const c of docker('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) docker('rm', '-f', c);
  });

  it('a container with 50k changes is watched without stalling the event loop', async () => {
    const base = ensureBaseImage();
    const name = `${PREFIX}-big`;
    docker('run', '-d', '--network', 'none', '--name', name, base, 'sh', '-c', 'mkdir /many && cd /many && /bin/busybox seq 1 50000 | /bin/busybox xargs touch && echo done > /ready && sleep 600');
    for (let i = 0; i < 200 && !docker('diff', name).includes('/ready'); i++) await new Promise((r) => setTimeout(r, 250));
    // Connected first: loading dockerode is the program's start, not the watcher's work.
    const engine = connect('docker');
    await engine.docker.ping();
    const lag = lagMonitor();
    const watcher = new ContainerWatcher(engine, name, { intervalMs: 500 }).start();
    await watcher.ready(60_000);
    await new Promise((r) => setTimeout(r, 1500)); // a few more polls over the 50k entries
    const worst = lag.stop();
    expect(watcher.snapshot().length).toBeGreaterThanOrEqual(50_000);
    watcher.stop();
    // One poll parses, sizes and diffs 50k entries, in slices with the loop let run between them.
    console.log(`worst event-loop lag with 50k changes: ${worst.toFixed(0)} ms`);
    expect(worst).toBeLessThan(500);
  }, 120_000);

  it('20 containers watched at once all go live, and the loop stays responsive', async () => {
    const base = ensureBaseImage();
    const names = Array.from({ length: 20 }, (_, i) => `${PREFIX}-w${i}`);
    for (const n of names) docker('run', '-d', '--network', 'none', '--name', n, base, 'sh', '-c', `echo ${n} > /mine && sleep 600`);
    const engine = connect('docker');
    const lag = lagMonitor();
    const watchers = names.map((n) => new ContainerWatcher(engine, n, { intervalMs: 300 }).start());
    await Promise.all(watchers.map((w) => w.ready(30_000)));
    await new Promise((r) => setTimeout(r, 1500));
    const worst = lag.stop();
    expect(watchers.every((w) => w.status().state === 'live')).toBe(true);
    expect(watchers.every((w) => w.snapshot().some((c) => c.path === '/mine'))).toBe(true);
    for (const w of watchers) w.stop();
    console.log(`worst event-loop lag with 20 watchers: ${worst.toFixed(0)} ms`);
    expect(worst).toBeLessThan(500);
  }, 120_000);
});
