import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpoolFile } from '../../store/spool-file.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-spool-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Pushes `data` in pieces of uneven sizes (some empty, some bigger than one write), each from one scratch
 * buffer that is overwritten as soon as it has been pushed, as a socket read into one buffer reuses it;
 * waits for the disk whenever the spool says it is behind, and sometimes lets the writes run meanwhile.
 */
async function pushUneven(spool: SpoolFile, data: Buffer): Promise<void> {
  const sizes = [1, 0, 511, 20_000, 3 << 20, 7, 0, 600_000, 4096];
  const scratch = Buffer.alloc(3 << 20);
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length], data.length - at);
    data.copy(scratch, 0, at, at + n);
    const keepGoing = spool.write(scratch.subarray(0, n));
    scratch.fill(0xee, 0, n);
    at += n;
    if (!keepGoing) await spool.drained();
    else if (k % 5 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('SpoolFile', () => {
  it('writes every byte in order, however the stream is cut and whatever the caller does with its buffer after, and says how many', async () => {
    const data = randomBytes(23 << 20);
    const file = path.join(dir, 'uneven');
    const spool = new SpoolFile(file);
    await pushUneven(spool, data);
    expect(spool.size).toBe(data.length);
    expect(await spool.end()).toBe(data.length);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
  });

  it('asks the stream to wait once the disk is a few MB behind, and says when it has caught up', async () => {
    const file = path.join(dir, 'behind');
    const spool = new SpoolFile(file);
    // Pushed without a pause, no write can have finished: the first 4 MB are taken, more is too much.
    const said: boolean[] = [];
    for (let i = 0; i < 12; i++) said.push(spool.write(Buffer.alloc(512 << 10, i)));
    expect(said.slice(0, 8).every(Boolean)).toBe(true);
    expect(said.slice(8).some((ok) => !ok)).toBe(true);
    await spool.drained();
    expect(spool.write(Buffer.from('x'))).toBe(true);
    expect(await spool.end()).toBe(12 * (512 << 10) + 1);
    expect(fs.readFileSync(file).subarray(11 * (512 << 10), 11 * (512 << 10) + 4)).toEqual(Buffer.alloc(4, 11));
  });

  it('writes an empty stream as an empty file', async () => {
    const file = path.join(dir, 'empty');
    expect(await new SpoolFile(file).end()).toBe(0);
    expect(fs.statSync(file).size).toBe(0);
  });

  it('given up part-way, lets the writes it issued settle and closes the file', async () => {
    const file = path.join(dir, 'abandoned');
    const before = fs.readdirSync('/proc/self/fd').length;
    const spool = new SpoolFile(file);
    spool.write(randomBytes(3 << 20));
    await spool.abort();
    // The 3 MB handed to the disk (in whole writes; the last partial one never issued) were written, and
    // its descriptor is closed.
    expect(fs.statSync(file).size).toBe(3 << 20);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('passes on a failed write (a full disk) at its end', async () => {
    const spool = new SpoolFile('/dev/full');
    spool.write(randomBytes(1 << 20));
    await expect(spool.end()).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('fails where the file cannot be made', () => {
    expect(() => new SpoolFile(path.join(dir, 'no-such-dir', 'blob'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
