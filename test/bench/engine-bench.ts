import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from '../../src/sources/engine/connection.js';
import { ContainerWatcher } from '../../src/sources/engine/container-watch.js';

export interface EngineBench {
  coldOpenMs: number;
  warmOpenMs: number;
  diveMs: number | null;
  liveLatencyMs: number[];
}

function timed(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Opens the bench image through the engine (cold, then warm), and times a write inside a container to the watcher's event. */
export async function runEngineBench(bin: string, archive: string, work: string): Promise<EngineBench | null> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) return null;
  const ref = 'bench/big:latest';
  if (spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status !== 0) execFileSync('docker', ['load', '-q', '-i', archive]);
  const store = fs.mkdtempSync(path.join(work, 'engine-store-'));
  const coldOpenMs = timed(process.execPath, [bin, 'inspect', `docker://${ref}`, '--json', '--files', 'none', '--store', store]);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(timed(process.execPath, [bin, 'inspect', `docker://${ref}`, '--json', '--files', 'none', '--store', store]));
  warm.sort((a, b) => a - b);
  const onPath = spawnSync('sh', ['-c', 'command -v dive'], { stdio: 'ignore' }).status === 0;
  const diveMs = onPath ? timed('dive', ['--source', 'docker', ref, '--json', path.join(work, 'dive-engine.json')]) : null;
  fs.rmSync(store, { recursive: true, force: true });

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
  return { coldOpenMs, warmOpenMs: warm[2], diveMs, liveLatencyMs };
}
