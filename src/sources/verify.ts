import { createHash } from 'node:crypto';
import { FathomError } from '../errors.js';

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Refuses metadata whose bytes don't hash to the digest that names them. */
export function verifyDigest(data: Buffer, expected: string, what: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(expected)) throw new FathomError(`${what}: unsupported or malformed digest ${JSON.stringify(expected)}`);
  const actual = sha256Digest(data);
  if (actual !== expected) throw new FathomError(`${what}: digest mismatch: expected ${expected}, got ${actual} (corrupt or altered)`);
}

/** "fixture/edge" → "fixture/edge:latest"; "docker.io/library/x:1" → "x:1". */
export function normalizeRef(ref: string): string {
  let r = ref.replace(/^docker\.io\//, '').replace(/^library\//, '');
  const lastSlash = r.lastIndexOf('/');
  if (!r.slice(lastSlash + 1).includes(':') && !r.includes('@')) r += ':latest';
  return r;
}
