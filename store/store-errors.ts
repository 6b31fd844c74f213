import fs from 'node:fs';
import path from 'node:path';
import { FathomError } from '../src/errors.js';

/** What an errno means to someone whose write failed. */
export function writeFailure(code: string | undefined): string | null {
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EROFS':
      return 'a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'ENOENT':
      return 'a part of the path does not exist and cannot be made';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return null;
  }
}

/**
 * Runs a store write; a failure the user can fix (full disk, read-only, permissions, a file where a
 * directory must be) becomes one line naming the store and what was being written.
 */
export function storeWrite<T>(root: string, what: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    throw asStoreError(e, root, what);
  }
}

export function asStoreError(e: unknown, root: string, what: string): unknown {
  if (e instanceof FathomError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = writeFailure(err.code);
  if (!why) return e;
  const where = err.path ? ` (${err.path})` : '';
  const advice = err.code === 'ENOSPC' || err.code === 'EDQUOT' ? 'free some space, or choose another store with --store DIR' : 'choose another store with --store DIR';
  return new FathomError(`cannot write the store at ${root}: ${why}${where}, writing ${what}; ${advice}`);
}

/**
 * `mkdir -p`, made here: Node's recursive mkdir loops forever where mkdir answers ENOENT for a parent
 * that exists (procfs, sysfs), and its errors name no part of the path.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st?.isDirectory()) break;
    if (st) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
