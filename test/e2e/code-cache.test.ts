import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fathom } from '../helpers/cli.js';
import { PROJECT_ROOT, imagePath } from '../helpers/fixtures.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

// bin/fathom.js keeps V8's code cache in $XDG_CACHE_HOME/fathom/code-cache: "fathomcc", a flag byte
// (1: made after the UI drew), the sha256 of the rest, then V8's data.
const HEADER_BYTES = 8 + 1 + 32;

let root: string;
let store: string;
let n = 0;
const sessions: TmuxSession[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-code-cache-'));
  store = path.join(root, 'store');
});
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fresh cache home, and where its code cache files are. */
function cacheHome(): { env: Record<string, string>; dir: string } {
  const home = path.join(root, `home-${n++}`);
  return { env: { XDG_CACHE_HOME: home, FATHOM_STORE: store }, dir: path.join(home, 'fathom', 'code-cache') };
}

function cacheFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

function readCacheFile(file: string): { coversUi: boolean; whole: boolean } {
  const bytes = fs.readFileSync(file);
  const digest = crypto.createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest();
  return { coversUi: bytes[8] === 1, whole: bytes.subarray(0, 8).toString() === 'fathomcc' && digest.equals(bytes.subarray(9, HEADER_BYTES)) };
}

const inspect = (env: Record<string, string>) => fathom(['inspect', imagePath('busybox', 'oci-gzip'), '--json', '--files', 'none'], env);

describe('V8 code cache of the bundle (bin/fathom.js)', () => {
  it('is made by a first run, then used as it is', () => {
    const { env, dir } = cacheHome();
    const first = inspect(env);
    expect(first.code).toBe(0);
    const [file, ...others] = cacheFiles(dir);
    expect(others).toEqual([]);
    expect(path.basename(file)).toMatch(new RegExp(`^${process.version}-${process.arch}-[0-9a-f]{8}-[0-9a-f]{16}\\.bin$`));
    expect(readCacheFile(file)).toEqual({ coversUi: false, whole: true });
    const made = fs.readFileSync(file);
    const second = inspect(env);
    expect(second).toEqual(first);
    // Accepted, so not made again.
    expect(fs.readFileSync(file).equals(made)).toBe(true);
  });

  it('a damaged or truncated cache is ignored and replaced; an earlier build\'s cache is removed', () => {
    const { env, dir } = cacheHome();
    const clean = inspect(env);
    const [file] = cacheFiles(dir);
    const stale = path.join(dir, path.basename(file).replace(/[0-9a-f]{16}\.bin$/, '0123456789abcdef.bin'));
    fs.writeFileSync(stale, 'an earlier build');
    const flipped = (b: Buffer) => {
      b[b.length - 100] ^= 0xff;
      return b;
    };
    const truncated = (b: Buffer) => b.subarray(0, HEADER_BYTES + 10);
    for (const damage of [flipped, truncated]) {
      fs.writeFileSync(file, damage(fs.readFileSync(file)));
      expect(readCacheFile(file).whole).toBe(false);
      expect(inspect(env)).toEqual(clean);
      expect(readCacheFile(file)).toEqual({ coversUi: false, whole: true });
    }
    expect(cacheFiles(dir)).toEqual([file]);
  });

  it('the bundle is ASCII, so it is read without decoding UTF-8 (a comment with … or → in src/ would undo that)', () => {
    const bundle = fs.readFileSync(path.join(PROJECT_ROOT, 'dist', 'fathom.cjs'));
    const firstOther = bundle.findIndex((b) => b > 0x7f);
    expect(firstOther === -1 ? null : bundle.toString('utf8', Math.max(0, firstOther - 80), firstOther + 20)).toBeNull();
  });

  it('FATHOM_CODE_CACHE=0 keeps none; a cache home that cannot be written is no error', () => {
    const off = cacheHome();
    const clean = inspect({ ...off.env, FATHOM_CODE_CACHE: '0' });
    expect(clean.code).toBe(0);
    expect(cacheFiles(off.dir)).toEqual([]);
    const blocked = path.join(root, 'not-a-directory');
    fs.writeFileSync(blocked, '');
    expect(inspect({ XDG_CACHE_HOME: blocked, FATHOM_STORE: store })).toEqual(clean);
  });

  it.skipIf(!tmuxAvailable())('the UI keeps its cache once its first frame is on screen, while it runs', async () => {
    const { env, dir } = cacheHome();
    inspect(env); // a cache without the UI's functions: the UI replaces it
    const t = new TmuxSession('code-cache');
    sessions.push(t);
    t.start([imagePath('busybox', 'oci-gzip')], env);
    await t.waitFor('Layers  1 rows, 1 layers');
    const deadline = Date.now() + 10_000;
    while (!(cacheFiles(dir).length === 1 && readCacheFile(cacheFiles(dir)[0]).coversUi) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(cacheFiles(dir).map(readCacheFile)).toEqual([{ coversUi: true, whole: true }]);
    await t.keys('q');
    await t.waitFor('EXIT=0');
  });
});
