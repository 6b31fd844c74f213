import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The real binary in a real terminal (tmux): ms from process start to the first frame of a stored
 * image, as the binary itself records it (FATHOM_FIRST_FRAME_FILE). Null without tmux.
 */
export async function firstFrameOfBinary(bin: string, storeDir: string, imageId: string, runs = 5): Promise<number | null> {
  return firstFrameOfOpen(bin, `store://${imageId}`, () => storeDir, runs);
}

/** The same for any source, each run with the store `store()` gives (a fresh one: a first open). */
export async function firstFrameOfOpen(bin: string, source: string, store: () => string, runs = 5): Promise<number | null> {
  if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) return null;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const file = path.join(os.tmpdir(), `fathom-first-frame-${process.pid}-${i}`);
    fs.rmSync(file, { force: true });
    // A socket file of its own: tmux's kill-server leaves it behind.
    const socket = path.join(os.tmpdir(), `fathom-bench-${process.pid}-${i}.tmux`);
    execFileSync('tmux', ['-S', socket, 'new-session', '-d', '-x', '120', '-y', '40', `env -u CI FATHOM_FIRST_FRAME_FILE=${file} ${process.execPath} ${bin} '${source}' --store '${store()}'; sleep 5`]);
    const start = Date.now();
    while (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') === '') {
      if (Date.now() - start > 30_000) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    fs.rmSync(socket, { force: true });
    if (fs.existsSync(file)) times.push(Number(fs.readFileSync(file, 'utf8')));
    fs.rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return times.length ? times[Math.floor(times.length / 2)] : null;
}
