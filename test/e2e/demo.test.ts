import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';
import { TOUR } from '../../demo/tour.js';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { spawnSync } from 'node:child_process';

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
    const screen = await t.waitFor(`9/${TOUR.length}단계 · ${TOUR[8].title.ko}`);
    expect(screen).toContain('n 다음 · p 이전 · q 끝내기');
    // The panes' own words too, titles and footer (step 10 shows an image's panes).
    await t.keys('n');
    const panes = await t.waitFor(`10/${TOUR.length}단계 · ${TOUR[9].title.ko}`);
    expect(panes).toMatch(/ 레이어  \d+행, 레이어 \d+개/);
    expect(panes).toMatch(/파일  레이어 \d+/);
    expect(panes).toContain('? 키');
    expect(await t.waitFor('  효율 ')).toMatch(/레이어 \d+개  효율 [\d.]+ %  낭비 /);
    // This step has the files focused; d is for the layers pane, so tab there first.
    for (const [keys, title] of [[['?'], '키 — esc 닫기'], [['w'], '낭비된 공간 (dive의 수치와 fathom의 수치)'], [['Tab', 'd'], '레이어 자세히 — esc 닫기']] as const) {
      for (const k of keys) await t.keys(k);
      await t.waitFor(title);
      await t.keys('Escape');
    }
    await t.keys('/');
    await t.waitFor('필터 (정규식, enter 적용, esc 취소)');
    await t.keys('Escape');
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });

  it('--lang ko: the container pane and the waste overlay in Korean too', async () => {
    const t = new TmuxSession('demo-ko-panes');
    sessions.push(t);
    const container = TOUR.findIndex((s) => s.scene.kind === 'container') + 1;
    t.start(['demo', '--store', store, '--lang', 'ko', '--step', `${container}`], {}, 80, 24);
    const pane = await t.waitFor('쓰기 레이어 크기를 차지하는 것');
    expect(pane).toContain('[시뮬레이션]');
    expect(pane).toContain('변경 (docker diff처럼');
    expect(pane).not.toMatch(/writable size comes from|no changes yet|simulated/);
    const waste = TOUR.findIndex((s) => s.scene.kind === 'image' && s.scene.view?.overlay === 'waste') + 1;
    for (let i = container; i < waste; i++) await t.keys('n');
    await t.waitFor(`${waste}/${TOUR.length}단계`);
    const overlay = await t.waitFor('사용자 낭비');
    expect(overlay).toContain('낭비된 공간 (dive의 수치와 fathom의 수치)');
    expect(overlay).toMatch(/효율 [\d.]+ %   낭비 /);
    expect(overlay).not.toMatch(/Wasted space|reclaimable|Count/);
    // The compare step after it: the compare screen's own words too.
    const compare = TOUR.findIndex((s) => s.scene.kind === 'compare') + 1;
    for (let i = waste; i < compare; i++) await t.keys('n');
    const compared = await t.waitFor('앞쪽 공유 레이어');
    expect(compared).toMatch(/파일: \+\d+/);
    expect(compared).not.toMatch(/shared leading layers|enter content diff/);
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

describe.skipIf(!HAS_TMUX || !dockerAvailable())('fathom demo --docker in a real terminal (real dockerd)', () => {
  const leftovers = () => ({
    containers: docker('ps', '-a', '--format', '{{.Names}}').split('\n').filter((n) => n.startsWith('fathom-demo-')),
    committed: docker('images', '-q', 'fathom-demo/committed').trim(),
  });

  it('runs the tour on real images and a real container, and quitting leaves nothing behind', async () => {
    const t = new TmuxSession('demo-docker');
    sessions.push(t);
    t.start(['demo', '--docker', '--store', store], {}, 120, 35);
    await t.waitFor(`Step 1/${TOUR.length} · ${TOUR[0].title.en}`, 180_000);
    await t.keys('n', 'n', 'n');
    const cow = await t.waitFor(/fathom-demo-cow-\d+\s+running/, 30_000);
    expect(cow).toContain('storage: overlay2');
    await t.keys('q');
    await t.waitFor('EXIT=0');
    expect(leftovers()).toEqual({ containers: [], committed: '' });
  }, 240_000);

  it('SIGTERM mid-tour restores the terminal and removes its container and committed image', async () => {
    const t = new TmuxSession('demo-docker-term');
    sessions.push(t);
    t.start(['demo', '--docker', '--store', store], {}, 120, 35);
    await t.waitFor(`Step 1/${TOUR.length}`, 180_000);
    await t.keys('n', 'n', 'n');
    await t.waitFor(/fathom-demo-cow-\d+\s+running/, 30_000);
    // The node process only (tmux's own command line holds the same words).
    spawnSync('pkill', ['-TERM', '-f', `^${process.execPath} \\S*fathom.js demo --docker`]);
    const after = await t.waitFor('EXIT=143', 30_000);
    expect(after).not.toContain('Step 4/');
    expect(leftovers()).toEqual({ containers: [], committed: '' });
  }, 240_000);
});
