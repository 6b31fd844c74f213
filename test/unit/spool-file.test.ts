import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spoolToFile } from '../../store/spool-file.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-spool-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `data` as a stream of chunks of uneven sizes (some empty, some bigger than one write). */
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
      yield randomBytes(3 << 20);
      throw new Error('the engine hung up');
    }
    // The handle it opens, caught on the way out, to see that it is closed (a closed FileHandle's fd is -1).
    let handle: FileHandle | null = null;
    const open = fsp.open;
    const spy = vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => (handle = await open(...args)));
    try {
      await expect(spoolToFile(file, failing())).rejects.toThrow('the engine hung up');
    } finally {
      spy.mockRestore();
    }
    // The 3 MB already handed to the disk (one write, not yet waited for) were written before the failure
    // came back, and the file is closed.
    expect(fs.statSync(file).size).toBe(3 << 20);
    expect(handle!.fd).toBe(-1);
  });

  it('fails where the file cannot be written', async () => {
    await expect(spoolToFile(path.join(dir, 'no-such-dir', 'blob'), [Buffer.from('x')])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
