import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath } from '../helpers/fixtures.js';
import { expectCleanOrOneLine, fuzzSettings, mutate, openFresh, prng } from '../helpers/mutate.js';

// docker save archives (both layouts) of three images: the whole archive is mutated, outer tar and all.
const TARGETS = [imagePath('busybox', 'docker-save.tar'), imagePath('multistage', 'docker-save.tar'), imagePath('edge', 'docker-save.tar'), imagePath('busybox', 'docker26-save.tar'), imagePath('multistage', 'docker26-save.tar')];
const { seed, cases } = fuzzSettings(1000);
let work: string;
const clean = new Map<string, unknown>();

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-fuzz-'));
  for (const t of TARGETS) {
    const outcome = await openFresh(t);
    if (!('ok' in outcome)) throw outcome.error;
    clean.set(t, outcome.ok);
  }
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('mutated docker save archives (seeded fuzzer)', () => {
  it(`${cases} cases, seed ${seed} (FATHOM_FUZZ_SEED=${seed} replays them): each the clean answer or one line, never a crash, a hang or another answer`, async () => {
    const rand = prng(seed);
    const originals = TARGETS.map((t) => fs.readFileSync(t));
    const counts = { same: 0, refused: 0 };
    for (let n = 0; n < cases; n++) {
      const which = Math.floor(rand() * TARGETS.length);
      const { bytes, what } = mutate(originals[which], rand);
      const file = path.join(work, `case.tar`);
      fs.writeFileSync(file, bytes);
      const outcome = await openFresh(file);
      counts[expectCleanOrOneLine(outcome, clean.get(TARGETS[which]), `seed ${seed} case ${n}: ${path.relative(path.dirname(path.dirname(TARGETS[which])), TARGETS[which])}: ${what}`)]++;
    }
    // A fuzzer whose every case is refused (or passes) tests nothing: both must happen.
    expect(counts.refused).toBeGreaterThan(cases / 10);
    expect(counts.same).toBeGreaterThan(0);
  }, 180_000);
});
