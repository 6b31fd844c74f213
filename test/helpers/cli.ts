import { spawnSync } from 'node:child_process';
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
