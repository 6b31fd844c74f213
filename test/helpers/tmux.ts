import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { PROJECT_ROOT } from './fixtures.js';

export function tmuxAvailable(): boolean {
  const ok = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error('CI=true but tmux is not installed: .ci/run must install it');
  return ok;
}

/** The real `fathom` binary in a tmux session on a private socket, typed at like a person. */
export class TmuxSession {
  /** A socket file of the test's own (tmux's kill-server leaves it behind): removed by kill(). */
  private readonly socket: string;
  constructor(name: string) {
    this.socket = path.join(os.tmpdir(), `fathom-e2e-${name}-${process.pid}.tmux`);
  }

  start(args: string[], env: Record<string, string>, cols = 110, rows = 30): void {
    const bin = path.join(PROJECT_ROOT, 'bin', 'fathom.js');
    // Ink draws no interactive frames when CI is set, so the child runs without it.
    const envs = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const command = `env -u CI ${envs} ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${args.map((a) => JSON.stringify(a)).join(' ')}; echo "EXIT=$?"; sleep 600`;
    execFileSync('tmux', ['-S', this.socket, 'new-session', '-d', '-x', String(cols), '-y', String(rows), command]);
  }

  /** Sends keys one at a time with a person's pause between them (a burst arrives as one chunk). */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) {
      execFileSync('tmux', ['-S', this.socket, 'send-keys', '-t', '0', k]);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async type(text: string): Promise<void> {
    execFileSync('tmux', ['-S', this.socket, 'send-keys', '-t', '0', '-l', text]);
    await new Promise((r) => setTimeout(r, 60));
  }

  /** Resizes the terminal, as a person dragging the window does. */
  resize(cols: number, rows: number): void {
    execFileSync('tmux', ['-S', this.socket, 'resize-window', '-t', '0', '-x', String(cols), '-y', String(rows)]);
  }

  screen(): string {
    return execFileSync('tmux', ['-S', this.socket, 'capture-pane', '-p', '-t', '0'], { encoding: 'utf8' });
  }

  /** Waits for the complete expected text: a frame can arrive in several chunks. */
  async waitFor(text: string | RegExp, timeout = 15_000): Promise<string> {
    let last = '';
    await vi.waitFor(
      () => {
        last = this.screen();
        if (typeof text === 'string' ? !last.includes(text) : !text.test(last)) throw new Error(`waiting for ${text}; screen:\n${last}`);
      },
      { timeout, interval: 50 },
    );
    await new Promise((r) => setTimeout(r, 60));
    return last;
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
    fs.rmSync(this.socket, { force: true });
  }
}
