import fs from 'node:fs';

/** Writes all of `chunk` at the file's position (a single writeSync may write less). */
export function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}
