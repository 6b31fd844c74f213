import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { realIo } from '../../src/cli/real-io.js';
import { LayerStore } from '../../store/store.js';

// Made before the first test, not when the file loads: a run that filters every test out leaves nothing.
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-slow-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the image list while the engine is slow', () => {
  it('says the engine has not answered yet (and where it was asked) while it shows the store\'s images', async () => {
    const socket = path.join(dir, 'silent.sock');
    // Takes the connection and never answers, as an engine stuck starting up does.
    const held: net.Socket[] = [];
    const server = net.createServer((c) => void held.push(c));
    await new Promise<void>((r) => server.listen(socket, r));
    const problems: (string | null)[] = [];
    const stop = realIo(new LayerStore(path.join(dir, 'store')), { host: `unix://${socket}` }).watchImages((_rows, problem) => problems.push(problem));
    try {
      await vi.waitFor(() => expect(problems.at(-1)).toBe(`the docker engine has not answered yet (unix://${socket}) — showing the store's images`), { timeout: 5000, interval: 50 });
      expect(problems[0]).toBeNull();
    } finally {
      stop();
      held.forEach((c) => c.destroy());
      await new Promise((r) => server.close(r));
    }
  });
});
