import { FathomError } from '../errors.js';
import { EntryKind } from '../model/entry.js';
import { nameByteLength } from './name-bytes.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS bookkeeping names (`.wh..wh.plnk`, `.wh..wh.aufs`): Docker skips them when applying a layer. */
const AUFS_META_PREFIX = '.wh..wh.';
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/**
 * A tar name as a clean relative path ("etc/passwd"; "" for the root), or an error for names that
 * could escape the root or that no filesystem would hold.
 */
export function normalizeEntryPath(raw: string, where: string): string {
  if (raw.includes('\0')) throw new FathomError(`${where}: entry name contains a NUL byte: ${JSON.stringify(raw)}`);
  if (raw.startsWith('/')) throw new FathomError(`${where}: absolute entry name ${JSON.stringify(raw)} (layer entries must be relative)`);
  let path = raw;
  // Fast path: what Docker writes ("etc/passwd", "etc/", "./etc").
  if (path.startsWith('./')) path = path.slice(2);
  else if (path === '.') path = '';
  if (path.includes('//') || path.includes('/./') || path.endsWith('/.') || path.includes('..') || path.startsWith('./')) {
    const parts: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') throw new FathomError(`${where}: entry name ${JSON.stringify(raw)} climbs out of the root with ".."`);
      parts.push(part);
    }
    path = parts.join('/');
  } else if (path.endsWith('/')) {
    path = path.slice(0, -1);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: only a long name needs its bytes counted.
  if (path.length * 3 > MAX_PATH_BYTES && nameByteLength(path) > MAX_PATH_BYTES) throw new FathomError(`${where}: entry name is longer than ${MAX_PATH_BYTES} bytes`);
  if (path.length > MAX_NAME_BYTES) {
    for (const part of path.split('/')) {
      if (nameByteLength(part) > MAX_NAME_BYTES) {
        throw new FathomError(`${where}: a component of ${JSON.stringify(raw.slice(0, 80))}… is longer than ${MAX_NAME_BYTES} bytes`);
      }
    }
  }
  return path;
}

export type WhiteoutReading =
  | { kind: typeof EntryKind.whiteout; path: string }
  | { kind: typeof EntryKind.opaque; path: string }
  | { kind: 'aufs-meta' }
  | null;

/** Recognises overlay whiteout names; `null` for an ordinary entry. */
export function readWhiteout(path: string): WhiteoutReading {
  // Top-level AUFS metadata dirs (".wh..wh.plnk/…") are skipped whole, as Docker's applier does.
  if (path.startsWith(AUFS_META_PREFIX) && path !== OPAQUE_MARKER) return { kind: 'aufs-meta' };
  const slash = path.lastIndexOf('/');
  // Nearly every entry: checked in place, without slicing its last component out.
  if (!path.startsWith(WHITEOUT_PREFIX, slash + 1)) return null;
  const base = path.slice(slash + 1);
  const dir = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: EntryKind.opaque, path: dir };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: 'aufs-meta' };
  const hidden = base.slice(WHITEOUT_PREFIX.length);
  return { kind: EntryKind.whiteout, path: dir ? `${dir}/${hidden}` : hidden };
}
