import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEYS, renderApp, testIo } from '../helpers/tui.js';
import { imagePath } from '../helpers/fixtures.js';
import type { ChangeFeed, FeedUpdate, LiveChange } from '../../src/model/change-feed.js';
import type { AppIo } from '../../src/view/app-io.js';
import { openBeforeFirstFrame } from '../../src/view/pending-open.js';

let storeDir: string;
let work: string;
beforeAll(() => {
  storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-tui-store-'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-tui-'));
});
afterAll(() => {
  fs.rmSync(storeDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const EDGE = imagePath('edge', 'docker-save.tar');

describe('the layer view', () => {
  it('opens on the first layer, and moving to a layer shows its changes', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows, 18 layers');
    expect(t.frame()).toContain('Files  layer 0: its own changes');
    expect(t.frame()).toContain('fixture/edge:latest');
    // The base layer has no instruction, only how it was made: docker history's comment.
    expect(t.frame()).toMatch(/layer 0: \(corpus busybox base\s/);
    await t.press(...Array(9).fill(KEYS.down));
    await t.waitFor('Files  layer 9: its own changes');
    expect(t.frame()).toContain('2+ 4~ 14-');
    // Metadata rows are listed as 0B rows that change nothing.
    await t.press(...Array(9).fill(KEYS.down));
    await t.waitFor('metadata row: no file changes');
    t.app.unmount();
  });

  it('tab into the files, hide unmodified, filter, fold, and the aggregated view', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows');
    await t.press(...Array(9).fill(KEYS.down), KEYS.tab, KEYS.ctrl('u'));
    await t.waitFor('hiding:unmodified');
    expect(t.frame()).toContain('- -rw-r--r--       0:0      10B  │   ├── delete-me.txt');
    await t.press(KEYS.ctrl('f'), ...'renamed', KEYS.enter);
    await t.waitFor('filter:/renamed/');
    expect(t.frame()).toContain('+ -rw-r--r--       0:0      10B      └── renamed.txt');
    await t.press(KEYS.esc, KEYS.ctrl('u'), KEYS.tab, KEYS.ctrl('a'));
    await t.waitFor('layers 0..9: everything up to here');
    await t.press(KEYS.tab, ' ');
    await t.waitFor('⊕ bin');
    t.app.unmount();
  });

  it('a path\'s history names each layer by its instruction, or by its comment where it has none', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows');
    await t.press(KEYS.tab, KEYS.down, KEYS.down, KEYS.down, 't');
    await t.waitFor('Every layer that touched /bin/base64');
    expect(t.frame()).toContain('layer   0  added  (corpus busybox base (busybox-static))');
    t.app.unmount();
  });

  it('browsing files, the detail box says what the layer did to the path under the cursor', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows');
    await t.press(...Array(5).fill(KEYS.down), KEYS.tab, KEYS.ctrl('u'), KEYS.ctrl('f'), ...'chmod-only.txt', KEYS.enter);
    await t.waitFor('filter:/chmod-only');
    expect(t.frame()).toContain('/edge: unmodified · layer 5: /bin/sh');
    await t.press(KEYS.down);
    await t.waitFor('/edge/chmod-only.txt: modified (mode)');
    t.app.unmount();
  });

  it('the waste pane lists the inefficient files and enter jumps to one in the tree', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('efficiency 59.1 %');
    await t.press('w');
    await t.waitFor('Wasted space');
    expect(t.frame()).toMatch(/2\s+2\.1MB\s+2\.1MB\s+\/edge\/random-2MiB\.bin/);
    await t.press(KEYS.down, KEYS.enter);
    await t.waitFor('layers 0..17: everything up to here');
    expect(t.frame()).toMatch(/▶ Files/);
    expect(t.frame()).toContain('motd');
    t.app.unmount();
  });

  it('views a text file and extracts it, never overwriting silently', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows');
    await t.press(...Array(15).fill(KEYS.down), KEYS.tab, KEYS.ctrl('f'), ...'added-hello', KEYS.enter);
    await t.waitFor('filter:/added-hello/');
    await t.press(KEYS.down, 'v');
    await t.waitFor(/added-hello\.txt \(29B, text\)/);
    expect(t.frame()).toContain('hello from the build context');
    await t.press(KEYS.esc);
    const target = path.join(work, 'out.txt');
    fs.writeFileSync(target, 'keep me');
    await t.press('x', ...Array(20).fill('\u007f'), ...target, KEYS.enter);
    await t.waitFor('exists: overwrite? (y/N)');
    await t.press('n');
    await t.waitFor('not overwritten');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    await t.press('x', ...Array(20).fill('\u007f'), ...target, KEYS.enter);
    await t.waitFor('exists: overwrite? (y/N)');
    await t.press('y');
    await t.waitFor('extracted /edge/added-hello.txt');
    expect(fs.readFileSync(target, 'utf8')).toBe('hello from the build context\n');
    t.app.unmount();
  });

  it('the help screen lists every binding; q quits with 0', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir));
    await t.waitFor('Layers  26 rows');
    await t.press('?');
    await t.waitFor('Keys — esc closes');
    expect(t.frame()).toContain('global  back');
    // The list is longer than the pane: it scrolls to its last binding.
    await t.press('G');
    await t.waitFor('view-file');
    await t.press(KEYS.esc, 'q');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.exitCode()).toBe(0);
  });

  it('fits an 80×24 terminal', async () => {
    const t = renderApp({ kind: 'image', source: EDGE }, testIo(storeDir), { columns: 80, rows: 24 });
    await t.waitFor('Layers  26 rows');
    const lines = t.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('a source that fails to open ends the app with exit 2', async () => {
    const bad = path.join(work, 'garbage.tar');
    fs.writeFileSync(bad, Buffer.alloc(2048, 65));
    const t = renderApp({ kind: 'image', source: bad }, testIo(storeDir));
    await vi.waitFor(() => expect(t.exitCode()).toBe(2), { timeout: 5000 });
  });
});

describe('opening an image before the first frame', () => {
  it('a stored image that opens within the wait is the very first frame: no Loading frame before it', async () => {
    const io = testIo(storeDir);
    await io.openImage(EDGE, () => {});
    const pending = await openBeforeFirstFrame(io, EDGE, 10_000);
    expect(pending.model).not.toBeNull();
    const t = renderApp({ kind: 'image', source: EDGE, pending }, io);
    await t.waitFor('Layers  26 rows');
    expect(t.app.frames[0]).toContain('Layers  26 rows, 18 layers');
    expect(t.app.frames.join('\n')).not.toContain("reading the image's metadata");
    t.app.unmount();
  });

  it('an open that outlasts the wait shows Loading, then the image, from the one open already under way', async () => {
    const io = testIo(storeDir);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let opens = 0;
    const slow: AppIo = {
      ...io,
      openImage: async (source, onProgress) => {
        opens++;
        await gate;
        return io.openImage(source, onProgress);
      },
    };
    const pending = await openBeforeFirstFrame(slow, EDGE, 10);
    expect(pending.model).toBeNull();
    const t = renderApp({ kind: 'image', source: EDGE, pending }, slow);
    await t.waitFor("reading the image's metadata");
    release();
    await t.waitFor('Layers  26 rows, 18 layers');
    expect(opens).toBe(1);
    t.app.unmount();
  });

  it('an open that fails before the first frame ends the app with its message, exit 2', async () => {
    const io = testIo(storeDir);
    const pending = await openBeforeFirstFrame(io, path.join(work, 'no-such.tar'), 10_000);
    const t = renderApp({ kind: 'image', source: 'no-such.tar', pending }, io);
    await vi.waitFor(() => expect(t.exitCode()).toBe(2));
    t.app.unmount();
  });
});

describe('the image list', () => {
  it('sorts, filters and opens', async () => {
    const rows = [
      { source: EDGE, origin: 'store' as const, tag: 'fixture/edge:latest', id: 'sha256:aa', created: 100, sizeBytes: 5_000_000, layers: 18, efficiency: 0.59 },
      { source: imagePath('busybox', 'oci-gzip'), origin: 'store' as const, tag: 'corpus/busybox:latest', id: 'sha256:bb', created: 200, sizeBytes: 2_000_000, layers: 1, efficiency: 1 },
    ];
    const t = renderApp({ kind: 'images' }, testIo(storeDir, { watchImages: (cb) => (cb(rows, null), () => {}) }));
    await t.waitFor('images (2)');
    const lines = () => t.frame().split('\n');
    expect(lines()[2]).toContain('corpus/busybox:latest');
    await t.press('s');
    await t.waitFor('sort:size');
    expect(lines()[2]).toContain('fixture/edge:latest');
    await t.press('/', ...'busy', KEYS.enter);
    await t.waitFor('images (1 matching "busy")');
    await t.press(KEYS.enter);
    await t.waitFor('Layers  1 rows, 1 layers');
  });
});

describe('the containers pane', () => {
  class StaticFeed implements ChangeFeed {
    readonly simulated = true;
    readonly label = 'demo-container';
    private listeners = new Set<(u: FeedUpdate | null) => void>();
    constructor(private changes: LiveChange[]) {}
    snapshot() {
      return this.changes;
    }
    status() {
      return { state: 'live' as const, message: 'running' };
    }
    sizes() {
      return { imageBytes: 5_000_000, writableBytes: 65_536, virtualBytes: 5_065_536 };
    }
    subscribe(l: (u: FeedUpdate | null) => void) {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    }
    add(c: LiveChange) {
      this.changes = [...this.changes, c];
      for (const l of this.listeners) l({ appeared: [c], changed: [], disappeared: [], at: Date.now() });
    }
    stop() {}
  }

  it('Enter opens the container in the layer view, which follows its writable layer as it changes; backspace returns', async () => {
    const base = testIo(storeDir);
    const first = await base.openImage(imagePath('busybox', 'docker-save.tar'), () => {});
    const later = await base.openImage(imagePath('multistage', 'docker-save.tar'), () => {});
    const feed = new StaticFeed([]);
    let opened = 0;
    const io = testIo(storeDir, {
      watchContainers: (cb) => (cb([{ id: 'c1', name: 'web', image: 'busybox', state: 'running', status: 'Up', sizeRwBytes: 0, sizeRootFsBytes: 0, simulated: false }], null), () => {}),
      containerDetail: () => ({ feed, storage: null }),
      // Stand-ins for the gathered layer: the first open, then what the next change brings.
      openContainer: async () => (opened++ === 0 ? first : later),
    });
    const t = renderApp({ kind: 'containers' }, io, { columns: 120, rows: 30 });
    await t.waitFor('enter layers');
    await t.press(KEYS.enter);
    await t.waitFor('fathom  corpus/busybox:latest');
    const change = (p: string) => feed.add({ path: p, kind: 'A', type: 'file', sizeBytes: 1, firstSeen: Date.now(), lastChanged: Date.now() });
    change('/first'); // the feed's first answer: the state the view opened with
    change('/a-new-file');
    await t.waitFor('fathom  corpus/multistage:latest', 8000);
    expect(opened).toBe(2);
    await t.press('\x7f');
    await t.waitFor('enter layers');
    t.app.unmount();
  });

  it('shows a live diff as a tree with sizes, a size chart, and new entries as they come', async () => {
    const feed = new StaticFeed([
      { path: '/etc', kind: 'C', type: 'dir', sizeBytes: 0, firstSeen: 0, lastChanged: 0 },
      { path: '/etc/motd', kind: 'D', type: 'file', sizeBytes: 0, firstSeen: 0, lastChanged: 0 },
      { path: '/app', kind: 'A', type: 'dir', sizeBytes: 65536, firstSeen: 0, lastChanged: 0 },
      { path: '/app/big.bin', kind: 'A', type: 'file', sizeBytes: 65536, firstSeen: 0, lastChanged: 0 },
    ]);
    const io = testIo(storeDir, {
      watchContainers: (cb) => (cb([{ id: 'c1', name: 'demo-container', image: 'demo', state: 'running', status: 'Up', sizeRwBytes: 65536, sizeRootFsBytes: 5_065_536, simulated: true }], null), () => {}),
      containerDetail: () => ({ feed, storage: { driver: 'overlay2 (simulated)', lowerDir: '/l1:/l2', upperDir: '/upper', mergedDir: '/merged' } }),
    });
    const t = renderApp({ kind: 'containers' }, io);
    await t.waitFor('[SIMULATED] demo-container  running   A 2  C 1  D 1');
    expect(t.frame()).toMatch(/A\s+65\.5kB\s+\│?.*big\.bin/);
    expect(t.frame()).toMatch(/image\s+█+ 5MB/);
    expect(t.frame()).toMatch(/writable\s+█? 65\.5kB/);
    expect(t.frame()).toMatch(/virtual\s+█+ 5\.07MB/);
    expect(t.frame()).toContain('storage: overlay2 (simulated)');
    feed.add({ path: '/app/new.txt', kind: 'A', type: 'file', sizeBytes: 12, firstSeen: Date.now(), lastChanged: Date.now() });
    await t.waitFor(/new\.txt  ●/);
    t.app.unmount();
  });

  it('S and D ask first (n cancels, y runs), r runs at once, l shows the log with stderr apart, esc closes it', async () => {
    const calls: string[] = [];
    const listeners = new Set<() => void>();
    const log = { lines: [{ stream: 'stdout' as const, text: 'hello from web' }, { stream: 'stderr' as const, text: 'warning: x' }], status: 'following' as const, subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)), stop: () => {} };
    const feed = new StaticFeed([]);
    const io = testIo(storeDir, {
      watchContainers: (cb) => (cb([{ id: 'c1', name: 'web', image: 'nginx:1', state: 'running', status: 'Up 2 minutes', created: Math.floor(Date.now() / 1000) - 7200, ports: '0.0.0.0:8080->80/tcp', sizeRwBytes: 10, sizeRootFsBytes: 20, simulated: false }], null), () => {}),
      containerDetail: () => ({ feed, storage: null }),
      containerAction: async (id, action, running) => {
        calls.push(`${action} ${id} ${running}`);
      },
      containerLog: () => log,
    });
    const t = renderApp({ kind: 'containers' }, io, { columns: 120, rows: 30 });
    await t.waitFor('web: nginx:1  Up 2 minutes  created 2h ago  ports 0.0.0.0:8080->80/tcp');
    // The list's own poll said 10 B and 20 B; the selected row shows the sizes of its chart's poll.
    expect(t.frame()).toMatch(/web\s+running\s+65\.5kB\s+5\.07MB/);
    await t.press('S');
    await t.waitFor('stop web?  y/n');
    await t.press('n');
    await t.waitFor('stop cancelled');
    await t.press('D');
    await t.waitFor('remove web? it is running: it will be killed first (docker rm -f)  y/n');
    await t.press('y');
    await t.waitFor('removed web');
    await t.press('r');
    await t.waitFor('restarted web');
    expect(calls).toEqual(['remove c1 true', 'restart c1 true']);
    await t.press('l');
    await t.waitFor('logs web  following  2 lines');
    expect(t.frame()).toContain('hello from web');
    expect(t.frame()).toContain('warning: x');
    await t.press(KEYS.esc);
    await t.waitFor('enter layers');
    t.app.unmount();
  });
});

describe('the audit pane', () => {
  it('a in the image list audits what the list shows; esc goes back', async () => {
    const rows = ['busybox', 'multistage'].map((n) => ({ source: imagePath(n, 'docker-save.tar'), origin: 'archive' as const, tag: n, id: '', created: null, sizeBytes: null, layers: null, efficiency: null }));
    const t = renderApp({ kind: 'images' }, testIo(storeDir, { watchImages: (cb) => (cb(rows, null), () => {}) }));
    await t.waitFor('a audit these');
    // Under load the list's key handler may attach after its first frame: pressed until the audit starts.
    await vi.waitFor(async () => {
      if (!t.frame().includes('audit of 2 images')) await t.press('a');
      expect(t.frame()).toContain('audit of 2 images');
    }, { timeout: 10_000, interval: 100 });
    await t.waitFor('2 images, 5 layers listed, 4 distinct');
    expect(t.frame()).toContain('audit of 2 images');
    expect(t.frame()).toMatch(/Layers shared between images[^]*6a3e718f8c2f\s+1\.99MB\s+2 images\s+saves\s+1\.99MB/);
    await t.press(KEYS.esc);
    await t.waitFor('a audit these');
    t.app.unmount();
  });
});

describe('the compare view', () => {
  it('Enter on a modified file shows its content diff (keys in one chunk), esc returns; tab shows the configs with what differs marked', async () => {
    const t = renderApp({ kind: 'compare', a: imagePath('busybox', 'docker-save.tar'), b: imagePath('edge', 'docker-save.tar') }, testIo(storeDir), { columns: 120, rows: 35 });
    await t.waitFor('~1');
    // /etc/motd is the 110th file (index 109): 109 downs in one write, as a held key or a paste sends them.
    await t.press('j'.repeat(109));
    await t.waitFor(/>~ \/etc\/motd/);
    await t.press(KEYS.enter);
    await t.waitFor('/etc/motd: A → B, as diff -u');
    expect(t.frame()).toMatch(/@@ -1 \+1 @@\n-corpus busybox base[^\n]*\n\+edge motd \(overwritten\)/);
    await t.press(KEYS.esc);
    await t.waitFor(/>~ \/etc\/motd/);
    await t.press(KEYS.tab);
    await t.waitFor('config: 6 of 10 differ');
    expect(t.frame()).toMatch(/\* Cmd\s+\["\/bin\/sh"\]\s+\["ls -la \/edge"\]/);
    expect(t.frame()).toMatch(/  platform\s+linux\/amd64\s+linux\/amd64/);
    t.app.unmount();
  });

  it('shows the shared layers and the file-level diff', async () => {
    const t = renderApp({ kind: 'compare', a: imagePath('busybox', 'docker-save.tar'), b: imagePath('multistage', 'oci-gzip') }, testIo(storeDir));
    await t.waitFor('shared leading layers: 1');
    expect(t.frame()).toMatch(/\+ \/usr\/local\/bin\/hello  683kB/);
    t.app.unmount();
  });
});
