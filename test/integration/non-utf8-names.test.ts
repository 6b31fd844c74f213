import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { fathom } from '../helpers/cli.js';
import { dockerSaveOf } from '../helpers/layers.js';
import { encodeName } from '../../src/tar/name-bytes.js';

const HAS_DOCKER = dockerAvailable();
const TAG = `fathom-test/non-utf8-${process.pid}:1`;

/** A ustar member whose name is raw bytes (tar-stream writes names as UTF-8, so it can't make these). */
function member(name: Buffer, body: Buffer, typeflag = '0', linkname = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  const octal = (at: number, width: number, value: number) => h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'latin1');
  octal(100, 8, typeflag === '5' ? 0o755 : typeflag === '2' ? 0o777 : 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, typeflag === '0' ? body.length : 0);
  octal(136, 12, 1_700_000_000);
  h.write('        ', 148, 'latin1');
  h.write(typeflag, 156, 'latin1');
  linkname.copy(h, 157);
  h.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([h, typeflag === '0' ? padded : Buffer.alloc(0)]);
}
const b = (s: string) => Buffer.from(s, 'latin1');
const rawTar = (members: Buffer[]) => Buffer.concat([...members, Buffer.alloc(1024)]);

/** Names Docker keeps apart although each is invalid UTF-8: fathom used to fold them into one `x\ufffd`. */
function layers(): Buffer[] {
  return [
    rawTar([
      member(b('etc/'), Buffer.alloc(0), '5'),
      member(b('etc/x\xff'), b('four')),
      member(b('etc/x\xfe'), b('eight by')),
      member(b('etc/l\xfd'), Buffer.alloc(0), '2', b('x\xff')),
      member(b('caf\xe9/'), Buffer.alloc(0), '5'),
      member(b('caf\xe9/menu'), b('latin-1 dir\n')),
      member(Buffer.from('etc/한국'), b('utf-8 stays utf-8\n')),
    ]),
    // The second layer removes one of the two and leaves the other.
    rawTar([member(b('etc/'), Buffer.alloc(0), '5'), member(b('etc/.wh.x\xfe'), Buffer.alloc(0))]),
  ];
}

async function writeArchive(file: string): Promise<void> {
  fs.writeFileSync(file, await dockerSaveOf(layers(), TAG, ['names', 'remove one'], { Cmd: ['sh'] }));
}

/**
 * The raw names in a tar, read here rather than with tar-stream, which decodes names (and Go's PAX
 * `path` records, which Docker writes for a name that is not ASCII) as text.
 */
function exportedNames(t: Buffer): Buffer[] {
  const names: Buffer[] = [];
  let paxPath: Buffer | null = null;
  for (let pos = 0; pos + 512 <= t.length && t[pos] !== 0; ) {
    const field = (at: number, len: number) => {
      const end = t.indexOf(0, pos + at);
      return t.subarray(pos + at, end === -1 || end > pos + at + len ? pos + at + len : end);
    };
    const size = parseInt(field(124, 12).toString('latin1').trim() || '0', 8);
    const type = String.fromCharCode(t[pos + 156]);
    const body = t.subarray(pos + 512, pos + 512 + size);
    if (type === 'x') {
      for (let at = 0; at < body.length; ) {
        const space = body.indexOf(0x20, at);
        const len = Number(body.toString('latin1', at, space));
        const record = body.subarray(space + 1, at + len - 1);
        const eq = record.indexOf(0x3d);
        if (record.subarray(0, eq).toString() === 'path') paxPath = Buffer.from(record.subarray(eq + 1));
        at += len;
      }
    } else {
      const prefix = field(345, 155);
      const name = paxPath ?? (prefix.length > 0 ? Buffer.concat([prefix, b('/'), field(0, 100)]) : field(0, 100));
      names.push(name[name.length - 1] === 0x2f ? name.subarray(0, -1) : name);
      paxPath = null;
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

type JsonFile = { path: string; type: string; sizeBytes: number; linkTarget?: string | null };
const filesOf = (stdout: string) => (JSON.parse(stdout) as { files: JsonFile[] }).files;

describe('names that are not UTF-8 are kept as bytes', () => {
  let work: string;
  let archive: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-non-utf8-'));
    archive = path.join(work, 'image.tar');
    await writeArchive(archive);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('two names that differ only in an invalid byte stay two files, in --json losslessly and on a reopen from the store', () => {
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const first = fathom(['inspect', archive, '--json', '--layer', '0', '--store', store]);
    expect(first.code, first.stderr).toBe(0);
    const byPath = Object.fromEntries(filesOf(first.stdout).map((f) => [f.path, f]));
    expect(byPath['/etc/x\udcff']).toMatchObject({ type: 'file', sizeBytes: 4 });
    expect(byPath['/etc/x\udcfe']).toMatchObject({ type: 'file', sizeBytes: 8 });
    expect(byPath['/etc/l\udcfd']).toMatchObject({ type: 'symlink', linkTarget: 'x\udcff' });
    expect(byPath['/caf\udce9/menu'].sizeBytes).toBe(12);
    expect(byPath['/etc/한국']).toBeDefined();
    // The raw JSON text carries each byte as \udcXX, which any JSON reader turns back into the same string.
    expect(first.stdout).toContain('"/etc/x\\udcff"');
    expect(encodeName('/etc/x\udcff')).toEqual(b('/etc/x\xff'));
    const again = fathom(['inspect', archive, '--json', '--layer', '0', '--store', store]);
    expect(again.stdout).toBe(first.stdout);
  });

  it('the whiteout of one removes that one only; the text output shows the bytes escaped, as GNU tar does', () => {
    const r = fathom(['inspect', archive, '--json', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(r.code, r.stderr).toBe(0);
    const paths = filesOf(r.stdout).map((f) => f.path);
    expect(paths).toContain('/etc/x\udcff');
    expect(paths).not.toContain('/etc/x\udcfe');
    const text = fathom(['inspect', archive, '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('/etc/x\\xfe'); // the waste list names the removed one
    expect(text.stdout).not.toMatch(/[\udc80-\udcff\ufffd]/);
  });

  describe.skipIf(!HAS_DOCKER)("against Docker's own export (real dockerd)", () => {
    let exported: Buffer[];
    beforeAll(async () => {
      docker('load', '-i', archive);
      const id = docker('create', TAG).trim();
      try {
        const out = path.join(work, 'export.tar');
        docker('export', '-o', out, id);
        exported = exportedNames(fs.readFileSync(out));
      } finally {
        spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
      }
    });
    afterAll(() => {
      spawnSync('docker', ['rmi', TAG], { stdio: 'ignore' });
    });

    it.each(['archive', 'engine store', 'engine export'])("from the %s: the names' bytes are docker export's", (from) => {
      const source = from === 'archive' ? archive : `docker://${TAG}`;
      const read = from === 'engine store' ? ['--engine-read', 'store'] : from === 'engine export' ? ['--engine-read', 'export'] : [];
      const r = fathom(['inspect', source, '--json', ...read, '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
      expect(r.code, r.stderr).toBe(0);
      const engineOwn = /^(\.dockerenv|dev|proc|sys|etc\/(hosts|hostname|resolv\.conf|mtab))(\/|$)/;
      const theirs = exported.filter((n) => !engineOwn.test(n.toString('latin1'))).map((n) => n.toString('hex')).sort();
      const ours = filesOf(r.stdout).map((f) => encodeName(f.path.slice(1)).toString('hex')).sort();
      expect(ours).toEqual(theirs);
    });
  });
});
