import { FathomError } from '../errors.js';
import type { ImageConfigJson } from '../../store/store.js';
import type { ArchiveFiles } from './archive/archive-files.js';
import { sha256Digest, verifyDigest } from './verify.js';
import { listAt, objectAt, optional, stringAt, stringListAt } from './json-shape.js';

/** Reads an image config, checks it against the digest that names it, and checks its diff IDs are usable. */
export function readImageConfig(files: ArchiveFiles, name: string, expectedDigest: string | null): { id: string; config: ImageConfigJson; configJson?: string } {
  const what = `${files.label}: image config ${name}`;
  const bytes = files.read(name);
  if (expectedDigest) verifyDigest(bytes, expectedDigest, what);
  return { id: sha256Digest(bytes), config: parseImageConfig(bytes, what), ...configText(bytes) };
}

/** A config's bytes (already checked against their digest) as the fields fathom reads, their shapes checked. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfigJson {
  let config: ImageConfigJson;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfigJson;
  } catch (e) {
    throw new FathomError(`${what} is not valid JSON (${(e as Error).message})`);
  }
  checkConfigShape(config, what);
  return config;
}

/** The config's bytes as text, kept so the store can check them against the image ID (when they are UTF-8 exactly). */
export function configText(bytes: Buffer): { configJson?: string } {
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? { configJson: text } : {};
}

/**
 * The fields fathom reads, of the types the image spec gives them (history an object, RepoTags a string:
 * refused by name), and diff IDs that are sha256 digests: every config, whichever source it came from.
 */
export function checkConfigShape(config: unknown, where: string): void {
  const c = objectAt(config, where, '(the whole)');
  for (const k of ['architecture', 'os', 'variant', 'created']) optional(c[k], stringAt, where, k);
  const inner = optional(c.config, objectAt, where, 'config');
  if (inner) {
    for (const k of ['Entrypoint', 'Cmd', 'Env']) optional(inner[k], stringListAt, where, `config.${k}`);
    for (const k of ['WorkingDir', 'User']) optional(inner[k], stringAt, where, `config.${k}`);
    optional(inner.ExposedPorts, objectAt, where, 'config.ExposedPorts');
    const labels = optional(inner.Labels, objectAt, where, 'config.Labels');
    for (const [k, v] of Object.entries(labels ?? {})) stringAt(v, where, `config.Labels[${JSON.stringify(k)}]`);
  }
  const history = optional(c.history, listAt, where, 'history') ?? [];
  history.forEach((h, i) => {
    const row = objectAt(h, where, `history[${i}]`);
    for (const k of ['created', 'created_by', 'comment', 'author']) optional(row[k], stringAt, where, `history[${i}].${k}`);
    if (row.empty_layer !== undefined && typeof row.empty_layer !== 'boolean') throw new FathomError(`${where}: history[${i}].empty_layer is not true or false`);
  });
  const rootfs = objectAt(c.rootfs, where, 'rootfs');
  stringListAt(rootfs.diff_ids, where, 'rootfs.diff_ids').forEach((d, i) => {
    if (!/^sha256:[0-9a-f]{64}$/.test(d)) throw new FathomError(`${where}: rootfs.diff_ids[${i}] is ${JSON.stringify(d)}, not a sha256 digest`);
  });
}

export function diffIdsOf(config: ImageConfigJson): string[] {
  return config.rootfs?.diff_ids ?? [];
}
