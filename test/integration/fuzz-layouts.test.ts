import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath } from '../helpers/fixtures.js';
import { expectCleanOrOneLine, fuzzSettings, mutate, openFresh, prng } from '../helpers/mutate.js';

// OCI layouts with gzip, zstd and plain layers: one file of the layout mutated per case (index.json, a
// manifest, a config or a layer blob), the rest as skopeo wrote them.
const TARGETS = [imagePath('busybox', 'oci-gzip'), imagePath('multistage', 'oci-zstd'), imagePath('multistage', 'oci-uncompressed'), imagePath('busybox', 'oci-uncompressed')];
const { seed, cases } = fuzzSettings(1000);
let work: string;
const copies: { dir: string; files: string[]; clean: unknown }[] = [];

const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-fuzz-oci-'));
  for (const [i, t] of TARGETS.entries()) {
    const dir = path.join(work, String(i));
    fs.cpSync(t, dir, { recursive: true });
    const outcome = await openFresh(`oci://${dir}`);
    if (!('ok' in outcome)) throw outcome.error;
    copies.push({ dir, files: filesUnder(dir).sort(), clean: outcome.ok });
  }
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('mutated OCI layouts (seeded fuzzer)', () => {
  it(`${cases} cases, seed ${seed} (FATHOM_FUZZ_SEED=${seed} replays them): each the clean answer or one line, never a crash, a hang or another answer`, async () => {
    const rand = prng(seed);
    const counts = { same: 0, refused: 0 };
    for (let n = 0; n < cases; n++) {
      const target = copies[Math.floor(rand() * copies.length)];
      const file = target.files[Math.floor(rand() * target.files.length)];
      const original = fs.readFileSync(file);
      const { bytes, what } = mutate(original, rand);
      fs.writeFileSync(file, bytes);
      try {
        const outcome = await openFresh(`oci://${target.dir}`);
        counts[expectCleanOrOneLine(outcome, target.clean, `seed ${seed} case ${n}: ${path.relative(target.dir, file)} of ${TARGETS[copies.indexOf(target)]}: ${what}`)]++;
      } finally {
        fs.writeFileSync(file, original);
      }
    }
    expect(counts.refused).toBeGreaterThan(cases / 10);
    expect(counts.same).toBeGreaterThan(0);
  }, 180_000);
});
