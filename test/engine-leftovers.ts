// vitest globalSetup: the fixture images are loaded into docker and podman once, before any test file
// (test files run in parallel: one that loaded and removed them would pull them from under another), and
// whatever images and containers the run adds under the test prefixes (fathom-test*, fathom-demo*, the
// fixture and corpus images) are removed when the run ends, however it ended. What was there before the
// run is left alone.
//
// Two runs at once (the suite, and a quick `vitest run test/unit/x` beside it) share the engines: what
// one sees appear during its run may be the other's, still in use. So the runs register in a shared
// folder; the first of a group writes the engines' state as it found them, and only the last to end
// cleans up, against that state. A run killed with -9 is known by its pid no longer living.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, IMAGES } from './helpers/fixtures.js';
import { processAlive } from '../store/store.js';

const ENGINES = ['docker', 'podman'] as const;
const OURS = /^(localhost\/)?(fathom-test|fathom-demo|fathom-bench-live|fixture\/|corpus\/)/;
/** The runs under way on this machine (one file per run, named by its pid) and the state they started from. */
const RUNS = path.join(os.tmpdir(), 'fathom-test-runs');
const BASELINE = path.join(RUNS, 'baseline.json');

type Snapshot = { containers: string[]; images: string[] };

function lines(cmd: string, args: string[]): string[] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function snapshot(engine: string): Snapshot {
  return {
    containers: lines(engine, ['ps', '-a', '--format', '{{.ID}} {{.Names}}']),
    images: lines(engine, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']),
  };
}

function loadFixtures(engine: string): void {
  if (spawnSync(engine, ['info'], { stdio: 'ignore', timeout: 30_000 }).status !== 0) return;
  for (const image of IMAGES) {
    spawnSync(engine, ['load', '-q', '-i', path.join(FIXTURES, 'images', image, 'docker-save.tar')], { stdio: 'ignore', timeout: 120_000 });
  }
}

/** The other runs still under way (a file left by a run that died is removed). */
function otherRuns(): number[] {
  const pids = fs.readdirSync(RUNS).filter((f) => /^\d+$/.test(f)).map(Number);
  return pids.filter((pid) => {
    if (pid === process.pid) return false;
    if (processAlive(pid)) return true;
    fs.rmSync(path.join(RUNS, String(pid)), { force: true });
    return false;
  });
}

/** Removes what appeared since `was` under the test prefixes. */
function removeAdded(engine: string, was: Snapshot): void {
  const now = snapshot(engine);
  const containers = new Set(was.containers);
  const images = new Set(was.images);
  for (const c of now.containers) {
    const [id, name] = c.split(' ');
    if (!containers.has(c) && /^fathom-/.test(name ?? '')) spawnSync(engine, ['rm', '-f', id], { stdio: 'ignore', timeout: 30_000 });
  }
  for (const i of now.images) {
    const [ref, id] = i.split(' ');
    // A new untagged image is one a test made (a commit, a build step) and left dangling.
    const dangling = ref === '<none>:<none>';
    if (images.has(i) || !(dangling || OURS.test(ref))) continue;
    spawnSync(engine, ['rmi', '-f', dangling ? id : ref], { stdio: 'ignore', timeout: 30_000 });
  }
}

export default function setup(): () => void {
  fs.mkdirSync(RUNS, { recursive: true });
  // The first run of a group says what the engines held before any of it. A baseline with no run left
  // alive is a group's that died before it could clean up (a crashed vitest): what that group loaded is
  // still there, so its baseline stands, or this run would take those images for the machine's own.
  if (!fs.existsSync(BASELINE)) {
    const state = Object.fromEntries(ENGINES.map((e) => [e, snapshot(e)]));
    fs.writeFileSync(`${BASELINE}.${process.pid}`, JSON.stringify(state));
    fs.renameSync(`${BASELINE}.${process.pid}`, BASELINE);
  }
  fs.writeFileSync(path.join(RUNS, String(process.pid)), '');
  for (const engine of ENGINES) loadFixtures(engine);
  return () => {
    fs.rmSync(path.join(RUNS, String(process.pid)), { force: true });
    // Another run is still using what appeared: the last one to end cleans up for the group.
    if (otherRuns().length > 0) return;
    let baseline: Record<(typeof ENGINES)[number], Snapshot>;
    try {
      baseline = JSON.parse(fs.readFileSync(BASELINE, 'utf8')) as typeof baseline;
    } catch {
      return; // no record of the start (removed by hand): removing what can't be told apart would be a guess
    }
    for (const engine of ENGINES) removeAdded(engine, baseline[engine]);
    fs.rmSync(BASELINE, { force: true });
  };
}
