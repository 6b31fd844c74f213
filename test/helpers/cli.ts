import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './fixtures.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `fathom` binary as a user would. */
export function fathom(args: string[], env: Record<string, string> = {}, cwd = PROJECT_ROOT): CliResult {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same, without blocking this process: for a test whose event loop serves what the binary talks to
 * (a fake engine). `code` is null when the run was killed for taking longer than `timeout`.
 */
export function fathomAsync(args: string[], env: Record<string, string> = {}, timeout = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args], { env: { ...process.env, ...env }, timeout, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}
