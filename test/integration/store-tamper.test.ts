import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fathom } from '../helpers/cli.js';
import { imagePath } from '../helpers/fixtures.js';
import { seal, unseal } from '../../store/sealed.js';

let work: string;
let clean: string;
let cleanJson: string;
const image = imagePath('many-layers', 'docker-save.tar');
const REF = 'store://corpus/many-layers:latest';

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-tamper-'));
  clean = path.join(work, 'clean');
  const r = fathom(['inspect', image, '--json', '--store', clean]);
  expect(r.code, r.stderr).toBe(0);
  cleanJson = fathom(['inspect', REF, '--json', '--store', clean]).stdout;
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let n = 0;
const copyOfStore = () => {
  const dir = path.join(work, `store-${n++}`);
  fs.cpSync(clean, dir, { recursive: true });
  return dir;
};
const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));

/** The store's answer is the clean one, or one line and exit 2: never a different answer. */
function expectTruthOrRefusal(store: string, what: string): 'same' | 'refused' {
  const r = fathom(['inspect', REF, '--json', '--store', store]);
  if (r.code === 0) {
    expect(r.stdout, what).toBe(cleanJson);
    return 'same';
  }
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
  expect(r.stderr).toMatch(/^fathom: /);
  return 'refused';
}

describe('a store that cannot lie', () => {
  it('an edited image record is no record: store:// refuses in one line, the next open from the source writes it anew', () => {
    const store = copyOfStore();
    const [record] = filesUnder(path.join(store, 'images'));
    const body = JSON.parse(unseal(fs.readFileSync(record))!.toString());
    fs.writeFileSync(record, JSON.stringify({ ...body, repoTags: ['evil/other:1'] }));
    expect(expectTruthOrRefusal(store, 'edited record')).toBe('refused');
    expect(fathom(['inspect', image, '--json', '--files', 'none', '--store', store]).code).toBe(0);
    expect(expectTruthOrRefusal(store, 'after reopening from the source')).toBe('same');
  });

  it("a record resealed with another config is caught by the image ID its config must hash to", () => {
    const store = copyOfStore();
    const [record] = filesUnder(path.join(store, 'images'));
    const body = JSON.parse(unseal(fs.readFileSync(record))!.toString());
    const config = JSON.parse(body.configJson);
    const forged = JSON.stringify({ ...config, config: { ...config.config, Entrypoint: ['/evil'] } });
    fs.writeFileSync(record, seal(Buffer.from(JSON.stringify({ ...body, configJson: forged, config: JSON.parse(forged) }))));
    expect(expectTruthOrRefusal(store, 'forged config')).toBe('refused');
  });

  it("two layers' indexes swapped are refused in one line; an edited meta.json is never believed", async () => {
    const store = copyOfStore();
    const layers = fs.readdirSync(path.join(store, 'layers', 'sha256'));
    const [a, b] = layers.map((hex) => path.join(store, 'layers', 'sha256', hex, 'index.bin'));
    const first = fs.readFileSync(a);
    fs.writeFileSync(a, fs.readFileSync(b));
    fs.writeFileSync(b, first);
    expect(expectTruthOrRefusal(store, 'swapped indexes')).toBe('refused');
    const other = copyOfStore();
    const meta = path.join(other, 'layers', 'sha256', layers[0], 'meta.json');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace('"tarBytes": ', '"tarBytes": 1'));
    // inspect needs no layer's meta (the answer stays the clean one); whatever reads it is refused.
    expectTruthOrRefusal(other, 'edited meta.json');
    const { LayerStore } = await import('../../store/store.js');
    expect(() => new LayerStore(other).readLayerMeta(`sha256:${layers[0]}`)).toThrow(/meta\.json is damaged \(its checksum does not match\)/);
  });

  it('a damaged layer (or one an older fathom wrote) is read again from the source when the image is opened from it', () => {
    const store = copyOfStore();
    const [hex] = fs.readdirSync(path.join(store, 'layers', 'sha256'));
    const index = path.join(store, 'layers', 'sha256', hex, 'index.bin');
    const old = Buffer.from(fs.readFileSync(index));
    const current = old.subarray(0, 8).toString('latin1');
    old.write('FATHOMI1', 0, 'latin1');
    fs.writeFileSync(index, old);
    expect(expectTruthOrRefusal(store, 'old index')).toBe('refused');
    const reopened = fathom(['inspect', image, '--json', '--store', store]);
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(fs.readFileSync(index).subarray(0, 8).toString('latin1')).toBe(current);
    expect(expectTruthOrRefusal(store, 'after reopening from the source')).toBe('same');
  });

  it('seeded damage anywhere in the store: the clean answer or one line, never another answer', () => {
    const seed = Number(process.env.FATHOM_TAMPER_SEED ?? 20261201);
    const runs = Number(process.env.FATHOM_TAMPER_RUNS ?? 60);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const outcomes = { same: 0, refused: 0 };
    for (let i = 0; i < runs; i++) {
      const store = copyOfStore();
      const files = filesUnder(store).filter((f) => !path.relative(store, f).startsWith(`tmp${path.sep}`));
      const file = files[Math.floor(random() * files.length)];
      const bytes = fs.readFileSync(file);
      const at = Math.floor(random() * bytes.length);
      const kind = Math.floor(random() * 3);
      const damaged = kind === 0 ? Buffer.from(bytes).fill(bytes[at] ^ 0x01, at, at + 1) : kind === 1 ? bytes.subarray(0, at) : Buffer.concat([bytes.subarray(0, at), Buffer.alloc(16), bytes.subarray(at)]);
      fs.writeFileSync(file, damaged);
      outcomes[expectTruthOrRefusal(store, `seed ${seed} run ${i}: ${path.relative(store, file)} ${['flip', 'cut', 'insert'][kind]} at ${at}`)]++;
      fs.rmSync(store, { recursive: true, force: true });
    }
    expect(outcomes.same + outcomes.refused).toBe(runs);
  }, 120_000);
});
