import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll } from 'vitest';

const madeStores: string[] = [];
// Removed when the test file that made them is done, whatever its tests did (a read-only one included).
afterAll(() => {
  for (const dir of madeStores.splice(0)) {
    spawnSync('chmod', ['-R', 'u+w', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A store directory of its own, removed after the test file. */
export function tempStore(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-store-'));
  madeStores.push(dir);
  return dir;
}
