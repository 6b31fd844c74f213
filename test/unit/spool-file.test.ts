import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spoolToFile } from '../../store/spool-file.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-spool-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `total` bytes as a stream of chunks of uneven sizes (some empty, some bigger than one write). */
async function* unevenChunks(data: Buffer): AsyncGenerator<Buffer> {
  const sizes = [1, 0, 511, 20_000, 3 << 20, 7, 0, 600_000, 4096];
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length], data.length - at);
    yield data.subarray(at, at + n);
    at += n;
    // Let the writes already issued run between chunks, as a socket's pauses do.
    if (k % 5 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('spoolToFile', () => {
  it('writes every byte in order, however the stream is cut, and says how many', async () => {
    const data = randomBytes(23 << 20);
    const file = path.join(dir, 'uneven');
    expect(await spoolToFile(file, unevenChunks(data))).toBe(data.length);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
  });

  it('writes an empty stream as an empty file', async () => {
    const file = path.join(dir, 'empty');
    expect(await spoolToFile(file, [])).toBe(0);
    expect(fs.statSync(file).size).toBe(0);
  });

  it('passes on a failure of the stream, after the writes it issued have settled', async () => {
    const file = path.join(dir, 'broken');
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(9 << 20);
      throw new Error('the engine hung up');
    }
    await expect(spoolToFile(file, failing())).rejects.toThrow('the engine hung up');
    // Closed, not held open: it can be removed and written again at once.
    fs.rmSync(file);
    expect(await spoolToFile(file, [Buffer.from('again')])).toBe(5);
  });

  it('fails where the file cannot be written', async () => {
    await expect(spoolToFile(path.join(dir, 'no-such-dir', 'blob'), [Buffer.from('x')])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
