import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const HAS_TIME = fs.existsSync('/usr/bin/time');

/** Runs a command (CI=true, so no peer draws a UI); its wall time and, where /usr/bin/time is there, the whole process's peak RSS. */
export function timed(cmd: string, args: string[], stdout: 'ignore' | number = 'ignore'): { ms: number; rssKb: number | null } {
  const start = process.hrtime.bigint();
  const [run, runArgs] = HAS_TIME ? ['/usr/bin/time', ['-f', '%M', cmd, ...args]] : [cmd, args];
  const r = spawnSync(run, runArgs, { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  const rss = HAS_TIME ? Number(r.stderr.trim().split('\n').at(-1)) : NaN;
  return { ms, rssKb: Number.isFinite(rss) ? rss : null };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
