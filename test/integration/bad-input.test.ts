import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerTar } from '../helpers/layers.js';
import { writeOciLayout } from '../helpers/oci.js';
import { fathom } from '../helpers/cli.js';
import { imagePath } from '../helpers/fixtures.js';
import { sha256 } from '../helpers/layers.js';
import { WORKER_MIN_BYTES } from '../../store/index-workers.js';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-bad-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function copyDir(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  for (const f of fs.readdirSync(path.join(to, 'blobs', 'sha256'))) fs.chmodSync(path.join(to, 'blobs', 'sha256', f), 0o644);
  fs.chmodSync(path.join(to, 'index.json'), 0o644);
  return to;
}

function largestBlob(dir: string): string {
  const blobs = path.join(dir, 'blobs', 'sha256');
  return fs
    .readdirSync(blobs)
    .map((f) => path.join(blobs, f))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}

/** Every bad input: exit 2, one line on stderr, no stack trace, and the store exactly as it was. */
function expectRefused(source: string, message: RegExp) {
  const store = fs.mkdtempSync(path.join(work, 'store-'));
  const r = fathom(['inspect', source, '--json', '--store', store]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fathom: /);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(message);
  const layers = path.join(store, 'layers', 'sha256');
  expect(fs.existsSync(layers) ? fs.readdirSync(layers) : []).toEqual([]);
  expect(fs.existsSync(path.join(store, 'tmp')) ? fs.readdirSync(path.join(store, 'tmp')) : []).toEqual([]);
  expect(fs.existsSync(path.join(store, 'images')) ? fs.readdirSync(path.join(store, 'images')) : []).toEqual([]);
}

describe('bad input gets one clear line, exit 2, and an untouched store', () => {
  it('a truncated docker save archive', () => {
    const src = imagePath('edge', 'docker-save.tar');
    const cut = path.join(work, 'truncated.tar');
    const size = fs.statSync(src).size;
    fs.writeFileSync(cut, fs.readFileSync(src).subarray(0, Math.floor(size * 0.6)));
    expectRefused(cut, /truncated\.tar.*(truncated|missing|cut short)/);
  });

  it('an archive cut inside the padding after its last whole member (Docker 26 save: index.json whole, manifest.json gone)', () => {
    const src = fs.readFileSync(imagePath('busybox', 'docker26-save.tar'));
    // index.json's data ends 362 bytes into its block; the cut leaves it whole, its padding not.
    const indexHeader = src.indexOf(Buffer.from('index.json\0'));
    const cutAt = indexHeader + 512 + 362 + 100;
    const cut = path.join(work, 'cut-in-padding.tar');
    fs.writeFileSync(cut, src.subarray(0, cutAt));
    expectRefused(cut, new RegExp(`cut-in-padding\\.tar: truncated archive \\(ends at byte ${cutAt}, inside the padding`));
    // Cut at the block boundary instead, the same members are a whole tar without its end marker:
    // accepted, as GNU tar and Go's archive/tar accept it (it is read as the OCI layout it still holds).
    const whole = path.join(work, 'cut-at-boundary.tar');
    fs.writeFileSync(whole, src.subarray(0, indexHeader + 1024));
    expect(fathom(['inspect', whole, '--json', '--files', 'none', '--store', fs.mkdtempSync(path.join(work, 'store-'))]).code).toBe(0);
  });

  it('data after the end-of-archive marker: a zeroed header (Docker 26 save: manifest.json gone) or two archives joined, refused; zero padding accepted', () => {
    const src = fs.readFileSync(imagePath('busybox', 'docker26-save.tar'));
    // Zeroing manifest.json's header and data makes an end marker there; oci-layout and repositories follow.
    const manifestHeader = src.indexOf(Buffer.from('manifest.json\0'));
    const zeroed = Buffer.from(src);
    zeroed.fill(0, manifestHeader, manifestHeader + 1024);
    const zeroedFile = path.join(work, 'zeroed-header.tar');
    fs.writeFileSync(zeroedFile, zeroed);
    expectRefused(zeroedFile, new RegExp(`zeroed-header\\.tar: damaged archive: data at byte ${manifestHeader + 1024}, after its end-of-archive marker at byte ${manifestHeader} `));
    const joined = path.join(work, 'joined.tar');
    fs.writeFileSync(joined, Buffer.concat([src, fs.readFileSync(imagePath('edge', 'docker-save.tar'))]));
    expectRefused(joined, /joined\.tar: damaged archive: data at byte \d+, after its end-of-archive marker/);
    // A writer's zero padding after the marker (up to its record size, or more) is no data: the same image.
    const padded = path.join(work, 'padded.tar');
    fs.writeFileSync(padded, Buffer.concat([src, Buffer.alloc(300_000)]));
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const a = fathom(['inspect', padded, '--json', '--files', 'none', '--store', store]);
    const b = fathom(['inspect', imagePath('busybox', 'docker26-save.tar'), '--json', '--files', 'none', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).image).toEqual(JSON.parse(b.stdout).image);
  });

  it('a corrupt gzip layer names the layer', () => {
    const dir = copyDir(imagePath('edge', 'oci-gzip'), path.join(work, 'gzip-corrupt'));
    const blob = largestBlob(dir);
    const bytes = fs.readFileSync(blob);
    for (let i = 100; i < bytes.length - 100; i += 997) bytes[i] ^= 0x5a;
    fs.writeFileSync(blob, bytes);
    expectRefused(dir, new RegExp(`gzip-corrupt: layer \\d+ \\(sha256:${path.basename(blob).slice(0, 12)}.*(bad gzip|digest mismatch|truncated|not a tar)`));
  });

  it('a corrupt zstd layer names the layer', () => {
    const dir = copyDir(imagePath('edge', 'oci-zstd'), path.join(work, 'zstd-corrupt'));
    const blob = largestBlob(dir);
    const bytes = fs.readFileSync(blob);
    for (let i = 100; i < bytes.length - 100; i += 997) bytes[i] ^= 0x5a;
    fs.writeFileSync(blob, bytes);
    expectRefused(dir, /zstd-corrupt: layer \d+ \(sha256:.*(bad zstd|digest mismatch|truncated|not a tar)/);
  });

  it('a layer whose bytes were altered (digest mismatch)', () => {
    const dir = copyDir(imagePath('edge', 'oci-uncompressed'), path.join(work, 'altered'));
    const blob = largestBlob(dir);
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 2048 - 700] ^= 0x01; // inside file content, so the tar still parses
    fs.writeFileSync(blob, bytes);
    expectRefused(dir, /altered: layer \d+ \(sha256:[0-9a-f]+\): digest mismatch/);
  });

  it('a missing blob', () => {
    const dir = copyDir(imagePath('busybox', 'oci-gzip'), path.join(work, 'missing-blob'));
    fs.rmSync(largestBlob(dir));
    expectRefused(dir, /missing-blob: layer 0 \(sha256:[0-9a-f]+\): blob is missing/);
  });

  it('malformed index.json', () => {
    const dir = copyDir(imagePath('busybox', 'oci-gzip'), path.join(work, 'bad-index'));
    fs.writeFileSync(path.join(dir, 'index.json'), '{"manifests": [');
    expectRefused(dir, /bad-index: index\.json is not valid JSON/);
  });

  it('malformed manifest.json in a docker save archive', () => {
    const dir = path.join(work, 'bad-manifest');
    fs.mkdirSync(dir);
    execFileSync('tar', ['-xf', imagePath('busybox', 'docker-save.tar'), '-C', dir]);
    fs.writeFileSync(path.join(dir, 'manifest.json'), '[{"Config": 3}]');
    const tarFile = path.join(work, 'bad-manifest.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', dir, '.']);
    expectRefused(tarFile, /bad-manifest\.tar: manifest\.json: \[0\]\.Config is a number, not a string$/);
  });

  it('a file that is not an image archive at all', () => {
    const f = path.join(work, 'random.bin');
    fs.writeFileSync(f, Buffer.alloc(4096, 7));
    expectRefused(f, /random\.bin.*not a tar header/);
  });

  it.each([
    ['../escape', /climbs out of the root/],
    ['/abs/path', /absolute entry name/],
  ])('a layer entry named %s', async (name, message) => {
    const dir = path.join(work, `hostile-${name.replace(/\W/g, '_')}`);
    const tar = (await import('tar-stream')).default;
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((r) => pack.on('end', r));
    pack.entry({ name: 'ok.txt' }, 'fine');
    pack.entry({ name }, 'evil');
    pack.finalize();
    await done;
    writeOciLayout(dir, [Buffer.concat(chunks)]);
    expectRefused(dir, new RegExp(`hostile.*layer 0.*${message.source}`));
    expect(fs.existsSync(path.join(work, 'escape'))).toBe(false);
  });

  it('a hard link to a missing target', async () => {
    const dir = path.join(work, 'dangling-hardlink');
    writeOciLayout(dir, [await layerTar([{ file: 'a', content: 'a' }]), await layerTar([{ hardlink: 'b', target: 'missing' }])]);
    expectRefused(dir, /dangling-hardlink: layer 1 .* entry "b": hard link "b" → "missing", which does not exist/);
  });

  it('a whiteout of a path that never existed is valid, as Docker loads it: its directory is there after it', async () => {
    const dir = path.join(work, 'ghost-whiteout');
    // In a later layer, in the first layer, and under parents no layer has.
    writeOciLayout(dir, [await layerTar([{ whiteout: 'first-ghost' }, { file: 'a', content: 'a' }]), await layerTar([{ whiteout: 'ghost' }, { whiteout: 'no/such/parent/ghost' }])]);
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const r = fathom(['inspect', dir, '--json', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.files.map((f: { path: string; type: string }) => `${f.path} ${f.type}`)).toEqual(['/a file', '/no dir', '/no/such dir', '/no/such/parent dir']);
    const changes = JSON.parse(fathom(['inspect', dir, '--json', '--files', 'changes', '--store', store]).stdout);
    expect(changes.files.map((f: { path: string; change: string }) => `${f.change} ${f.path}`)).toEqual(['added /no', 'added /no/such', 'added /no/such/parent']);
    expect(report.layers.map((l: { removed: number }) => l.removed)).toEqual([0, 0]);
  });

  it('a symlink loop is listed, never followed', async () => {
    const dir = path.join(work, 'symlink-loop');
    writeOciLayout(dir, [await layerTar([{ symlink: 'loop-a', target: 'loop-b' }, { symlink: 'loop-b', target: 'loop-a' }, { symlink: 'self', target: 'self' }])]);
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const r = fathom(['inspect', dir, '--json', '--store', store]);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).files.map((f: { path: string; linkTarget: string }) => `${f.path}->${f.linkTarget}`);
    expect(files).toEqual(['/loop-a->loop-b', '/loop-b->loop-a', '/self->self']);
  });

  it('an unknown source scheme and a missing file', () => {
    const r = fathom(['inspect', 'ftp://x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fathom: ftp:\/\/x: unknown source scheme/);
    const m = fathom(['inspect', 'docker-archive:///nonexistent/x.tar']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^fathom: \/nonexistent\/x\.tar: cannot open \(ENOENT\)\n$/);
  });
});

/** Layers big enough to be read by the worker threads (store/index-workers.ts), not in place. */
describe('big layers, read on worker threads', () => {
  const BIG = WORKER_MIN_BYTES + (1 << 20);
  let dir: string;
  let blobs: string[];
  let layers: Buffer[];
  beforeAll(async () => {
    dir = path.join(work, 'big-layers');
    const big = Buffer.alloc(BIG);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    layers = [
      await layerTar([{ dir: 'data' }, { file: 'data/big.bin', content: big.toString('latin1') }, { file: 'data/small.txt', content: 'one' }]),
      await layerTar([{ file: 'data/big.bin', content: big.toString('latin1') }, { whiteout: 'data/small.txt' }, { file: 'data/new.txt', content: 'two' }]),
    ];
    ({ layerBlobs: blobs } = writeOciLayout(dir, layers));
    for (const b of blobs) expect(fs.statSync(b).size).toBeGreaterThan(WORKER_MIN_BYTES);
  });

  it('open as any layer does: both digests checked, the same index, the same analysis', () => {
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const r = fathom(['inspect', dir, '--json', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.layers.map((l: { diffId: string }) => l.diffId)).toEqual(layers.map(sha256));
    expect(out.layers.map((l: { sizeBytes: number; added: number; modified: number; removed: number }) => [l.sizeBytes, l.added, l.modified, l.removed])).toEqual([
      [BIG + 3, 3, 0, 0],
      [BIG + 3, 1, 0, 1],
    ]);
    expect(out.files.map((f: { path: string; sizeBytes: number; layer: number }) => `${f.path} ${f.sizeBytes} ${f.layer}`)).toEqual([
      '/data 0 0',
      `/data/big.bin ${BIG} 1`,
      '/data/new.txt 3 1',
    ]);
    // dive's rule: big.bin seen twice (2 × BIG), small.txt seen twice (3 B, then its 0 B whiteout).
    expect(out.analysis.wastedBytes).toBe(2 * BIG + 3);
    // The same content rewritten in layer 1 is no modification: the worker hashed both copies alike.
    const unmodified = fathom(['inspect', dir, '--json', '--layer', '1', '--files', 'changes', '--store', store]);
    expect(JSON.parse(unmodified.stdout).files.find((f: { path: string }) => f.path === '/data/big.bin').change).toBe('unmodified');
  });

  it('--copy-blobs: the worker writes the copy, byte for byte', () => {
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const r = fathom(['inspect', dir, '--json', '--files', 'none', '--copy-blobs', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    for (const layer of layers) {
      const copy = path.join(store, 'layers', 'sha256', sha256(layer).slice(7), 'blob');
      expect(sha256(fs.readFileSync(copy))).toBe(sha256(layer));
    }
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
  });

  it('an altered byte is refused, naming the layer', () => {
    const bad = copyDir(dir, path.join(work, 'big-altered'));
    const blob = path.join(bad, 'blobs', 'sha256', path.basename(blobs[1]));
    const fd = fs.openSync(blob, 'r+');
    fs.writeSync(fd, Buffer.from([0x7f]), 0, 1, 4096 * 7 + 1024 + 1); // inside big.bin's content: the tar still parses
    fs.closeSync(fd);
    expectRefused(bad, new RegExp(`big-altered: layer 1 \\(sha256:${path.basename(blobs[1]).slice(0, 12)}.*digest mismatch`));
  });

  it('a layer that cannot stack, found while a later big layer is still being read: refused, nothing kept', async () => {
    const bad = path.join(work, 'big-bad-stack');
    writeOciLayout(bad, [layers[0], await layerTar([{ hardlink: 'dangling', target: 'nowhere' }]), layers[1]]);
    expectRefused(bad, /big-bad-stack: layer 1 .* entry "dangling": hard link "dangling" → "nowhere", which does not exist/);
  });

  it('a truncated blob is refused, naming the layer', () => {
    const bad = copyDir(dir, path.join(work, 'big-truncated'));
    const blob = path.join(bad, 'blobs', 'sha256', path.basename(blobs[0]));
    fs.truncateSync(blob, Math.floor(fs.statSync(blob).size / 2));
    expectRefused(bad, /big-truncated: layer 0 \(sha256:[0-9a-f]+.*(truncated|cut short|digest mismatch)/);
  });
});

/** Rewrites one numeric field of the tar header at `at` (raw bytes) and fixes its checksum. */
function patchHeader(tarBytes: Buffer, at: number, field: 'size' | 'uid', raw: Buffer): Buffer {
  const out = Buffer.from(tarBytes);
  const [offset, length] = field === 'size' ? [124, 12] : [108, 8];
  raw.copy(out, at + offset, 0, length);
  out.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[at + i];
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
  return out;
}

/** A layer tar with PAX records ahead of one file: the attacker's numbers, as text. */
async function paxLayer(records: Record<string, string>): Promise<Buffer> {
  const tar = (await import('tar-stream')).default;
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  pack.entry({ name: 'f.txt', pax: records } as never, 'four');
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('impossible numbers are refused, never shown as other numbers, and never loop', () => {
  it('an outer tar member with a negative base-256 size ends at once with one line (it looped forever)', () => {
    const src = fs.readFileSync(imagePath('busybox', 'docker-save.tar'));
    const negative = Buffer.alloc(12, 0xff); // two's complement -1
    const evil = path.join(work, 'negative-size.tar');
    fs.writeFileSync(evil, patchHeader(src, 0, 'size', negative));
    const started = Date.now();
    expectRefused(evil, /negative-size\.tar: member ".*" at byte 0 has an impossible size \(-1\)$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it.each([
    [{ size: '-1' }, /impossible size \(not a number\)/],
    [{ size: 'NaN' }, /impossible size \(not a number\)/],
    [{ size: '1.5' }, /impossible size \(not a number\)/],
    [{ uid: '4294967296' }, /impossible uid \(4294967296\)/],
    [{ uid: '-1' }, /impossible uid \(not a number\)/],
    [{ gid: '4294967295' }, /impossible gid \(4294967295\)/],
  ])('PAX %o in a layer is refused, naming the entry', async (records, message) => {
    const dir = path.join(work, `pax-${Object.entries(records).flat().join('-')}`);
    writeOciLayout(dir, [await paxLayer(records)]);
    expectRefused(dir, new RegExp(`layer 0.*entry "f\\.txt" has an ${message.source}`));
  });

  it('a large valid uid is shown exactly', async () => {
    const dir = path.join(work, 'pax-big-uid');
    writeOciLayout(dir, [await paxLayer({ uid: '4294967294', gid: '3000001' })]);
    const r = fathom(['inspect', dir, '--json', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files[0]).toMatchObject({ path: '/f.txt', uid: 4294967294, gid: 3000001 });
  });

  it('a 6-byte text file is not an image archive (not "truncated")', () => {
    const f = path.join(work, 'notes.txt');
    fs.writeFileSync(f, 'hello\n');
    expectRefused(f, /notes\.txt: not an image archive \(6 bytes: too short to be a tar\)$/);
  });
});

describe('only regular files are read: a device or a FIFO is refused at once, never read or waited on', () => {
  const layout = (name: string) => copyDir(imagePath('busybox', 'oci-gzip'), path.join(work, name));
  const configOf = (dir: string) => {
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    return { config: path.join(dir, 'blobs', 'sha256', manifest.config.digest.slice(7)), layer: path.join(dir, 'blobs', 'sha256', manifest.layers[0].digest.slice(7)) };
  };

  it('an OCI config that is a symlink to /dev/zero (it grew to 7 GB)', () => {
    const dir = layout('zero-config');
    const { config } = configOf(dir);
    fs.rmSync(config);
    fs.symlinkSync('/dev/zero', config);
    expectRefused(dir, /zero-config: "blobs\/sha256\/[0-9a-f]{64}" is not a regular file \(a character device\): refused$/);
  });

  it('a layer blob that is /dev/zero', () => {
    const dir = layout('zero-layer');
    const { layer } = configOf(dir);
    fs.rmSync(layer);
    fs.symlinkSync('/dev/zero', layer);
    expectRefused(dir, /zero-layer: .*is not a regular file \(a character device\): refused/);
  });

  it('a FIFO index.json, and a FIFO given as the archive', () => {
    const dir = layout('fifo-index');
    fs.rmSync(path.join(dir, 'index.json'));
    execFileSync('mkfifo', [path.join(dir, 'index.json')]);
    expectRefused(dir, /fifo-index: "index\.json" is not a regular file \(a FIFO\): refused$/);
    const fifo = path.join(work, 'fifo.tar');
    execFileSync('mkfifo', [fifo]);
    expectRefused(fifo, /fifo\.tar: not a regular file \(a FIFO\): refused$/);
  });
});

describe('nothing from an image reaches the terminal raw', () => {
  const ESC = '\x1b';
  it('history, paths and tags with escape sequences and newlines are shown escaped by inspect, ci and store ls', async () => {
    const dir = path.join(work, 'escapes');
    const evilHistory = `RUN echo ${ESC}]0;pwned\x07 && printf '${ESC}[2J'\nfathom: everything is fine`;
    writeOciLayout(dir, [await layerTar([{ file: `etc/${ESC}[31mred\nline`, content: 'x' }, { file: 'etc/x', content: 'x' }]), await layerTar([{ file: 'etc/x', content: 'y' }, { file: `etc/${ESC}[31mred\nline`, content: 'z' }])], {
      history: [{ created_by: evilHistory }, { created_by: 'ok' }],
    });
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    for (const args of [['inspect', dir], ['ci', dir], ['store', 'ls']]) {
      const r = fathom([...args, '--store', store]);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain(ESC);
      expect(r.stdout + r.stderr).not.toContain('\x07');
      expect(r.stdout.split('\n').some((l) => l.startsWith('fathom: everything'))).toBe(false);
    }
    const text = fathom(['inspect', dir, '--store', store]).stdout;
    expect(text).toContain('RUN echo \\x1b]0;pwned\\x07');
    // --json keeps the text exactly (JSON escapes it itself).
    const json = JSON.parse(fathom(['inspect', dir, '--json', '--store', store]).stdout);
    expect(json.history[0].createdBy).toBe(evilHistory);
  });

  it('an error quoting attacker text is one line, its newlines and escapes shown', async () => {
    const dir = path.join(work, 'evil-error');
    writeOciLayout(dir, [await layerTar([{ hardlink: `b\n${ESC}[2Jfathom: everything is fine`, target: 'missing' }])]);
    expectRefused(dir, /hard link "b\\n\\u001b\[2Jfathom: everything is fine"/);
  });
});

describe('metadata of the wrong shape is one line naming the file and the field', () => {
  const layout = (name: string) => copyDir(imagePath('busybox', 'oci-gzip'), path.join(work, name));

  it('a null index entry, a digest that is a number, JSON nested 10,000 deep', () => {
    const a = layout('null-entry');
    fs.writeFileSync(path.join(a, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [null] }));
    expectRefused(a, /null-entry: index\.json: manifests\[0\] is null, not an object$/);
    const b = layout('number-digest');
    const index = JSON.parse(fs.readFileSync(path.join(b, 'index.json'), 'utf8'));
    index.manifests[0].digest = 12345;
    fs.writeFileSync(path.join(b, 'index.json'), JSON.stringify(index));
    expectRefused(b, /number-digest: index\.json: manifests\[0\]\.digest is a number, not a string$/);
    const c = layout('deep');
    fs.writeFileSync(path.join(c, 'index.json'), `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expectRefused(c, /deep: index\.json has no manifests array$/);
  });

  it("a config that fails only once its layers are read (the top layer's diff ID is wrong): refused, no layer and no image left", () => {
    const dir = path.join(work, 'late-config');
    fs.mkdirSync(dir);
    execFileSync('tar', ['-xf', imagePath('edge', 'docker-save.tar'), '-C', dir]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const config = JSON.parse(fs.readFileSync(path.join(dir, manifest[0].Config), 'utf8'));
    const ids: string[] = config.rootfs.diff_ids;
    ids[ids.length - 1] = `sha256:${'0'.repeat(64)}`;
    const bytes = Buffer.from(JSON.stringify(config));
    const name = `${sha256(bytes).slice(7)}.json`;
    fs.rmSync(path.join(dir, manifest[0].Config));
    fs.writeFileSync(path.join(dir, name), bytes);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ ...manifest[0], Config: name }]));
    const tarFile = path.join(work, 'late-config.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', dir, '.']);
    expectRefused(tarFile, new RegExp(`late-config\\.tar: layer ${ids.length - 1} .*(diff ID|digest)`));
  });

  it('RepoTags a string in a docker save manifest; history an object in a config', async () => {
    const dir = path.join(work, 'repotags-string');
    fs.mkdirSync(dir);
    execFileSync('tar', ['-xf', imagePath('busybox', 'docker-save.tar'), '-C', dir]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ ...manifest[0], RepoTags: 'evil:1' }]));
    const tarFile = path.join(work, 'repotags-string.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', dir, '.']);
    expectRefused(tarFile, /repotags-string\.tar: manifest\.json: \[0\]\.RepoTags is a string, not a list$/);
    const oci = path.join(work, 'history-object');
    writeOciLayout(oci, [await layerTar([{ file: 'a', content: 'a' }])], { history: { created_by: 'x' } as never });
    expectRefused(oci, /history-object: image config .*: history is an object, not a list$/);
  });
});
