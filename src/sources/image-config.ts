import { FathomError } from '../errors.js';
import type { ImageConfigJson } from '../../store/store.js';
import type { ArchiveFiles } from './archive/archive-files.js';
import { sha256Digest, verifyDigest } from './verify.js';

/** Reads an image config, checks it against the digest that names it, and checks its diff IDs are usable. */
export function readImageConfig(files: ArchiveFiles, name: string, expectedDigest: string | null): { id: string; config: ImageConfigJson; configJson?: string } {
  const what = `${files.label}: image config ${name}`;
  const bytes = files.read(name);
  if (expectedDigest) verifyDigest(bytes, expectedDigest, what);
  let config: ImageConfigJson;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfigJson;
  } catch (e) {
    throw new FathomError(`${what} is not valid JSON (${(e as Error).message})`);
  }
  const diffIds = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d))) {
    throw new FathomError(`${what}: rootfs.diff_ids is missing or malformed`);
  }
  return { id: sha256Digest(bytes), config, ...configText(bytes) };
}

/** The config's bytes as text, kept so the store can check them against the image ID (when they are UTF-8 exactly). */
export function configText(bytes: Buffer): { configJson?: string } {
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? { configJson: text } : {};
}

export function diffIdsOf(config: ImageConfigJson): string[] {
  return config.rootfs?.diff_ids ?? [];
}
