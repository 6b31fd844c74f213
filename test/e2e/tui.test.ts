import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';
import { imagePath } from '../helpers/fixtures.js';
import { docker, dockerAvailable, ensureBaseImage } from '../helpers/docker.js';

const HAS_TMUX = tmuxAvailable();
let store: string;
const sessions: TmuxSession[] = [];
const session = (name: string) => {
  const s = new TmuxSession(name);
  sessions.push(s);
  return s;
};

beforeAll(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-e2e-store-'));
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

describe.skipIf(!HAS_TMUX)('fathom in a real terminal (tmux)', () => {
  it('opens an archive, moves to a layer, filters, toggles the aggregated view, opens the waste pane, quits cleanly', async () => {
    const t = session('browse');
    t.start([imagePath('edge', 'docker26-save.tar')], { FATHOM_STORE: store });
    await t.waitFor('Layers  26 rows, 18 layers');
    await t.waitFor('efficiency 59.1 %');
    for (let i = 0; i < 9; i++) await t.keys('Down');
    await t.waitFor('Files  layer 9: its own changes');
    await t.keys('Tab', 'C-f');
    await t.type('renamed');
    await t.keys('Enter');
    const filtered = await t.waitFor('filter:/renamed/');
    expect(filtered).toMatch(/└── renamed\.txt/);
    await t.keys('Escape', 'Tab', 'C-a');
    await t.waitFor('layers 0..9: everything up to here');
    await t.keys('w');
    const waste = await t.waitFor('Wasted space');
    expect(waste).toMatch(/\/edge\/random-2MiB\.bin/);
    await t.keys('Escape', 'q');
    // The alternate screen is gone: the shell's own output is back, and the exit code is 0.
    const after = await t.waitFor('EXIT=0');
    expect(after).not.toContain('Layers  26 rows');
  });

  it('keys that arrive in one chunk are each handled, in order: ten j, a pasted filter, backspaces', async () => {
    const t = session('chunks');
    t.start([imagePath('edge', 'docker-save.tar')], { FATHOM_STORE: store }, 120, 35);
    await t.waitFor('Layers  26 rows, 18 layers');
    await t.type('jjjjjjjjjj');
    await t.waitFor('Files  layer 10: its own changes');
    await t.keys('Tab');
    await t.type('/renamedXXXX');
    await t.waitFor('renamedXXXX');
    await t.type('\x7f\x7f\x7f\x7f\r');
    const filtered = await t.waitFor('filter:/renamed/');
    expect(filtered).not.toContain('XXXX');
    await t.type('q');
    await t.waitFor('EXIT=0');
  });

  it('waste pane, Enter on a file deleted later: opens the layer that still has it, cursor on it', async () => {
    const t = session('waste-jump');
    t.start([imagePath('edge', 'docker-save.tar')], { FATHOM_STORE: store }, 120, 35);
    await t.waitFor('Layers  26 rows, 18 layers');
    await t.keys('w');
    await t.waitFor('/edge/random-2MiB.bin');
    await t.keys('Enter');
    await t.waitFor('Files  layers 0..2: everything up to here');
    // The detail box names the path under the cursor.
    await t.waitFor(/\/edge\/random-2MiB\.bin: added/);
    await t.type('q');
    await t.waitFor('EXIT=0');
  });

  it('below 60×15 it says so in one line, and draws the image once the terminal grows', async () => {
    const t = session('too-small');
    t.start([imagePath('edge', 'docker-save.tar')], { FATHOM_STORE: store }, 40, 10);
    await t.waitFor('too small: need 60×15, have 40×10');
    t.resize(100, 30);
    await t.waitFor('Layers  26 rows, 18 layers');
    // Shrunk and grown again, the view is as it was left: the files pane still has the focus.
    await t.keys('Tab');
    await t.waitFor('▶ Files');
    t.resize(50, 12);
    await t.waitFor('too small: need 60×15, have 50×12');
    t.resize(100, 30);
    await t.waitFor('▶ Files');
    await t.type('q');
    await t.waitFor('EXIT=0');
  });

  it('ctrl+c restores the terminal too', async () => {
    const t = session('sigint');
    t.start([imagePath('busybox', 'oci-zstd')], { FATHOM_STORE: store });
    await t.waitFor('Layers  1 rows, 1 layers');
    await t.keys('C-c');
    const after = await t.waitFor(/EXIT=\d+/);
    expect(after).not.toContain('Layers  1 rows');
  });

  it('works at 80×24', async () => {
    const t = session('small');
    t.start([imagePath('many-layers', 'oci-gzip')], { FATHOM_STORE: store }, 80, 24);
    const screen = await t.waitFor('Layers  62 rows, 61 layers');
    expect(screen.split('\n').every((l) => l.length <= 80)).toBe(true);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });

  it('a missing archive: one line, exit 2', async () => {
    const t = session('missing');
    t.start(['/nonexistent/image.tar'], { FATHOM_STORE: store });
    const screen = await t.waitFor(/EXIT=2/);
    expect(screen).toContain('fathom: /nonexistent/image.tar: no such file or directory');
  });
});

const HAS_DOCKER = HAS_TMUX && dockerAvailable();

describe.skipIf(!HAS_DOCKER)('the live containers pane on a real container (tmux + dockerd)', () => {
  const name = `fathom-e2e-live-${process.pid}`;
  afterAll(() => {
    docker('rm', '-f', name);
  });

  it('shows a write inside the container while the pane is open', async () => {
    const base = ensureBaseImage();
    docker('run', '-d', '--network', 'none', '--name', name, base, 'sleep', '300');
    const t = session('live');
    t.start(['containers'], { FATHOM_STORE: store }, 140, 40);
    await t.waitFor(name.slice(0, 18));
    // Select our container: the list is newest first.
    const list = await t.waitFor(new RegExp(`${name.slice(0, 18)}.*running`));
    // Other tests' containers may be listed too: move down to ours, as a person would.
    const rows = list.split('\n').slice(1);
    const ours = rows.findIndex((l) => l.slice(0, 20).includes(name.slice(0, 18)));
    const first = rows.findIndex((l) => /^[ ◇]\S/.test(l));
    for (let i = first; i < ours; i++) await t.keys('Down');
    const screen = await t.waitFor(new RegExp(`${name}\\s+running\\s+A 0\\s+C 0\\s+D 0`));
    expect(screen).toContain(name);
    docker('exec', name, 'sh', '-c', 'mkdir -p /live && echo hello > /live/written-now.txt');
    // The write shows in the diff tree with its size (it also shows among the largest writable files).
    const live = await t.waitFor(/A\s+6B\s+.*written-now\.txt/, 8000);
    expect(live).toMatch(/A\s+6B\s+.*written-now\.txt/);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });
});
