import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fathom } from '../helpers/cli.js';
import { imagePath } from '../helpers/fixtures.js';
import { dockerAvailable, ensureBaseImage } from '../helpers/docker.js';

// Made before the first test, not when the file loads: a run that filters every test out leaves nothing.
let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-store-errors-'));
});
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});
const image = imagePath('busybox', 'docker-save.tar');

/** A small tmpfs (root only; where mounting is not allowed, null). */
function tmpfs(options: string): string | null {
  const dir = fs.mkdtempSync(path.join(work, 'mnt-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

/** Whether a tmpfs can be mounted here: tried once while the tests are collected, and taken down at once. */
function mountingWorks(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-mount-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status !== 0) return false;
    spawnSync('umount', [probe]);
    return true;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

describe('a store that cannot be written', () => {
  it('under /proc (where Node\'s recursive mkdir loops forever): one line, at once', () => {
    const r = fathom(['inspect', '--store', '/proc/fathom-store', image]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('fathom: cannot write the store at /proc/fathom-store: a part of the path does not exist and cannot be made (/proc/fathom-store), writing a temporary directory; choose another store with --store DIR\n');
  });

  it('a file where a directory must be: one line naming it', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, '');
    const r = fathom(['inspect', '--store', path.join(file, 'store'), image]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fathom: cannot write the store at ${file}/store: a part of the path is a file, not a directory (${file}/store/tmp), writing a temporary directory; choose another store with --store DIR\n`);
  });

  // Mounting needs root (as these machines and CI run); elsewhere this one is skipped, and says so.
  const canMount = mountingWorks();
  it.runIf(canMount)('a full disk mid-layer and a read-only file system: one line each, nothing half-written left', () => {
    const full = tmpfs('size=256k')!;
    const ro = tmpfs('ro')!;
    const store = path.join(full, 'store');
    const r = fathom(['inspect', '--copy-blobs', '--store', store, image]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^fathom: cannot write the store at ${store}: no space left on the device, writing layer sha256:[0-9a-f]{64}; free some space, or choose another store with --store DIR\\n$`));
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(store, 'layers'))).toBe(false);
    const readOnly = fathom(['inspect', '--store', path.join(ro, 'store'), image]);
    expect(readOnly.stderr).toBe(`fathom: cannot write the store at ${ro}/store: a read-only file system (${ro}/store), writing a temporary directory; choose another store with --store DIR\n`);
  });

  // The export is written to the store as it streams, off the thread that reads it: a write that fails
  // there must still end the open with the store's one line, and leave nothing behind.
  it.runIf(canMount && dockerAvailable())("an engine's export into a full disk: one line, nothing half-written left", () => {
    const base = ensureBaseImage();
    const store = path.join(tmpfs('size=256k')!, 'store');
    const r = fathom(['inspect', `docker://${base}`, '--engine-read', 'export', '--store', store]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^fathom: cannot write the store at ${store}: no space left on the device, writing layer .*; free some space, or choose another store with --store DIR\\n$`));
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(store, 'layers'))).toBe(false);
  });
});
