// vitest globalSetup: the fixture images are loaded into docker and podman once, before any test file
// (test files run in parallel: one that loaded and removed them would pull them from under another), and
// whatever images and containers the run adds under the test prefixes (fathom-test*, fathom-demo*, the
// fixture and corpus images) are removed when the run ends, however it ended. What was there before the
// run is left alone.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, IMAGES } from './helpers/fixtures.js';

const ENGINES = ['docker', 'podman'] as const;
const OURS = /^(localhost\/)?(fathom-test|fathom-demo|fathom-bench-live|fixture\/|corpus\/)/;

function lines(cmd: string, args: string[]): string[] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function snapshot(engine: string): { containers: Set<string>; images: Set<string> } {
  return {
    containers: new Set(lines(engine, ['ps', '-a', '--format', '{{.ID}} {{.Names}}'])),
    images: new Set(lines(engine, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])),
  };
}

function loadFixtures(engine: string): void {
  if (spawnSync(engine, ['info'], { stdio: 'ignore', timeout: 30_000 }).status !== 0) return;
  for (const image of IMAGES) {
    spawnSync(engine, ['load', '-q', '-i', path.join(FIXTURES, 'images', image, 'docker-save.tar')], { stdio: 'ignore', timeout: 120_000 });
  }
}

export default function setup(): () => void {
  const before = new Map(ENGINES.map((e) => [e, snapshot(e)]));
  for (const engine of ENGINES) loadFixtures(engine);
  return () => {
    for (const engine of ENGINES) {
      const was = before.get(engine)!;
      const now = snapshot(engine);
      for (const c of now.containers) {
        const [id, name] = c.split(' ');
        if (!was.containers.has(c) && /^fathom-/.test(name ?? '')) spawnSync(engine, ['rm', '-f', id], { stdio: 'ignore', timeout: 30_000 });
      }
      for (const i of now.images) {
        const [ref, id] = i.split(' ');
        // A new untagged image is one a test made (a commit, a build step) and left dangling.
        const dangling = ref === '<none>:<none>';
        if (was.images.has(i) || !(dangling || OURS.test(ref))) continue;
        spawnSync(engine, ['rmi', '-f', dangling ? id : ref], { stdio: 'ignore', timeout: 30_000 });
      }
    }
  };
}
