import { createHash } from 'node:crypto';

/**
 * Every file the store keeps ends with a checksum of the bytes before it, checked whenever the file is
 * read: a file damaged on disk (or edited) is found, never believed. The trailer is a line of its own, so
 * a sealed JSON file is still readable by eye.
 */
const MARK = Buffer.from('\n#fathom-sha256:');
const TRAILER_BYTES = MARK.length + 64 + 1;

export function seal(body: Buffer): Buffer {
  return Buffer.concat([body, MARK, Buffer.from(`${createHash('sha256').update(body).digest('hex')}\n`)]);
}

/** The body of a sealed file, or null when the seal is missing or does not match (damaged, or from before seals). */
export function unseal(file: Buffer): Buffer | null {
  if (file.length < TRAILER_BYTES) return null;
  const at = file.length - TRAILER_BYTES;
  if (!file.subarray(at, at + MARK.length).equals(MARK) || file[file.length - 1] !== 0x0a) return null;
  const body = file.subarray(0, at);
  const want = file.toString('latin1', at + MARK.length, file.length - 1);
  return createHash('sha256').update(body).digest('hex') === want ? body : null;
}

/** sha256 of some bytes, hex: what the index's trailer holds for its header and its columns. */
export function digestHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
