import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';
import { TOUR } from '../../demo/tour.js';

const HAS_TMUX = tmuxAvailable();
let store: string;
const sessions: TmuxSession[] = [];
beforeAll(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-demo-e2e-'));
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});
afterAll(() => fs.rmSync(store, { recursive: true, force: true }));

describe.skipIf(!HAS_TMUX)('fathom demo in a real terminal', () => {
  it('steps through the whole tour with n, every caption on screen, with no Docker daemon', async () => {
    const t = new TmuxSession('demo');
    sessions.push(t);
    // DOCKER_HOST points nowhere: the tour must not need an engine.
    t.start(['demo', '--store', store], { DOCKER_HOST: 'unix:///nonexistent.sock' }, 120, 34);
    for (let i = 0; i < TOUR.length; i++) {
      const screen = await t.waitFor(`Step ${i + 1}/${TOUR.length} · ${TOUR[i].title.en}`);
      expect(screen).toContain(TOUR[i].caption.en.slice(0, 40));
      if (i < TOUR.length - 1) await t.keys('n');
    }
    await t.keys('p');
    await t.waitFor(`Step ${TOUR.length - 1}/${TOUR.length}`);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });

  it('--lang ko --step N starts anywhere, in Korean', async () => {
    const t = new TmuxSession('demo-ko');
    sessions.push(t);
    t.start(['demo', '--store', store, '--lang', 'ko', '--step', '9'], {}, 120, 34);
    await t.waitFor(`Step 9/${TOUR.length} · ${TOUR[8].title.ko}`);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });

  it('--autoplay --pace moves on by itself', async () => {
    const t = new TmuxSession('demo-auto');
    sessions.push(t);
    t.start(['demo', '--store', store, '--autoplay', '--pace', '0.4', '--step', `${TOUR.length - 2}`], {}, 120, 34);
    await t.waitFor(`Step ${TOUR.length}/${TOUR.length}`, 10_000);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });
});
