import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleLayerTar, crc64Iso, readLayerFileAt, tarSplitRecords, type TarSplitLayer } from '../../src/layer/tar-split.js';
import { indexLayerStream } from '../../src/layer/index-layer.js';

async function tarOf(entries: { name: string; body?: string; type?: 'directory' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644, mtime: new Date(0) }, e.body ?? '');
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * What an engine keeps of a layer: tar-split's records (raw header bytes as segments, a record per file
 * with its CRC-64) and the files unpacked in a directory. Plain ustar only, as the tests' tars are.
 */
function splitLayer(layerTar: Buffer, dir: string, nameBytes?: (name: string) => Buffer): TarSplitLayer {
  const diffDir = path.join(dir, 'diff');
  fs.mkdirSync(diffDir, { recursive: true });
  const lines: string[] = [];
  let pending: Buffer[] = [];
  let at = 0;
  const flush = () => {
    if (pending.length) lines.push(JSON.stringify({ type: 2, payload: Buffer.concat(pending).toString('base64'), position: lines.length }));
    pending = [];
  };
  while (at + 512 <= layerTar.length) {
    const header = layerTar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]);
    pending.push(header);
    flush();
    const body = layerTar.subarray(at + 512, at + 512 + size);
    const raw = nameBytes?.(name) ?? Buffer.from(name);
    // In tar-split's own field order (Go's encoder writes a struct's fields in order, omitting empty ones).
    const record: Record<string, unknown> = { type: 1 };
    if (raw.toString('utf8') === name && Buffer.from(name).equals(raw)) record.name = name;
    else record.name_raw = raw.toString('base64');
    if (size > 0) record.size = size;
    record.payload = size > 0 ? crc64Iso(body).toString('base64') : null;
    record.position = lines.length;
    lines.push(JSON.stringify(record));
    const target = Buffer.concat([Buffer.from(`${diffDir}/`), raw]);
    const inside = !raw.toString('latin1').split('/').includes('..');
    if (inside && type === '5') fs.mkdirSync(target.toString(), { recursive: true });
    else if (inside && type === '0') fs.writeFileSync(target, body);
    const padded = Math.ceil(size / 512) * 512;
    if (padded > size) pending.push(layerTar.subarray(at + 512 + size, at + 512 + padded));
    at += 512 + padded;
  }
  pending.push(layerTar.subarray(at));
  flush();
  const tarSplit = path.join(dir, 'tar-split.json.gz');
  fs.writeFileSync(tarSplit, gzipSync(`${lines.join('\n')}\n`));
  return { tarSplit, diffDir };
}

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-tar-split-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** The chunks copied as they come: the assembler reuses its buffer for the next chunk. */
function collect(chunks: Iterable<Buffer>): Buffer {
  const copies: Buffer[] = [];
  for (const c of chunks) copies.push(Buffer.from(c));
  return Buffer.concat(copies);
}

describe("a layer put back together from an engine's tar-split record and its directory", () => {
  it('CRC-64 is Go\'s hash/crc64 with the ISO table (its check value)', () => {
    expect(crc64Iso(Buffer.from('123456789')).toString('hex')).toBe('b90956c775a41001');
    expect(crc64Iso(Buffer.alloc(0)).toString('hex')).toBe('0000000000000000');
  });

  it('is the layer tar byte for byte, so its sha256 is the diff ID', async () => {
    const layer = await tarOf([
      { name: 'etc', type: 'directory' },
      { name: 'etc/motd', body: 'hello\n' },
      { name: 'etc/big', body: 'x'.repeat(5 << 20) },
      { name: 'etc/empty', body: '' },
      { name: 'etc/link', type: 'symlink', linkname: 'motd' },
    ]);
    const split = splitLayer(layer, tempDir());
    const assembled = collect(assembleLayerTar(split, 'test'));
    expect(assembled.length).toBe(layer.length);
    expect(assembled.equals(layer)).toBe(true);
    const indexed = await indexLayerStream(assembleLayerTar(split, 'test'), { where: 'test' });
    expect(indexed.diffId).toBe(sha(layer));
  });

  it("reads segments written in another JSON form (field order, escapes) as it reads tar-split's own", async () => {
    const layer = await tarOf([{ name: 'etc', type: 'directory' }, { name: 'etc/motd', body: 'hello\n' }, { name: 'etc/a-much-longer-name-for-base64-slashes', body: '?'.repeat(700) }]);
    const split = splitLayer(layer, tempDir());
    const lines = gunzipSync(fs.readFileSync(split.tarSplit)).toString('utf8').split('\n');
    const other = lines.map((line) => {
      if (!line) return line;
      const r = JSON.parse(line) as { type: number; payload: string; position: number };
      // Another encoder: keys in another order, "/" escaped, a space after each colon.
      return r.type === 2 ? `{"position": ${r.position}, "payload": "${r.payload.replaceAll('/', '\\/')}", "type": 2}` : line;
    });
    expect(other.join('\n')).not.toBe(lines.join('\n'));
    fs.writeFileSync(split.tarSplit, gzipSync(other.join('\n')));
    expect(collect(assembleLayerTar(split, 'test')).equals(layer)).toBe(true);
  });

  it('reads file records (escaped names, names not UTF-8, sizes, CRCs) alike in any JSON form, and says what is wrong with a damaged one', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tar-split.json.gz');
    // Each record as tar-split writes it, and the same in another form (keys reversed, a space after each colon).
    const records: Record<string, unknown>[] = [
      { type: 1, name: 'etc/motd', size: 6, payload: 'AAECAwQFBgc=', position: 1 },
      { type: 1, name: 'empty', payload: null, position: 3 },
      { type: 1, name: 'crc-empty', size: 5, payload: '', position: 5 },
      { type: 1, name: 'a&b<c>', size: 1, payload: 'AAECAwQFBgc=', position: 7 }, // Go escapes these: \u0026 \u003c \u003e
      { type: 1, name: 'quote"and\\slash', size: 2, payload: 'AAECAwQFBgc=', position: 9 },
      { type: 1, name: 'caf\u00e9/日本', size: 3, payload: 'AAECAwQFBgc=', position: 11 },
      { type: 1, name_raw: Buffer.from([0x66, 0xff, 0x2f]).toString('base64'), size: 4, payload: 'AAECAwQFBgc=', position: 13 },
      { type: 1, name: 'big', size: 123456789012345, payload: 'AAECAwQFBgc=', position: 15 },
    ];
    const goForm = (r: Record<string, unknown>) => JSON.stringify(r).replaceAll('&', '\\u0026').replaceAll('<', '\\u003c').replaceAll('>', '\\u003e');
    const otherForm = (r: Record<string, unknown>) => `{${Object.entries(r).reverse().map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`;
    const read = (lines: string[]) => {
      fs.writeFileSync(file, gzipSync(lines.join('\n')));
      return [...tarSplitRecords(file, 'layer 0')].map((r) => (r.kind === 'file' ? { ...r, name: r.name.toString('latin1'), crc: r.crc?.toString('hex') ?? null } : r));
    };
    const own = read(records.map(goForm));
    expect(own).toEqual(read(records.map(otherForm)));
    expect(own.map((r) => r.kind === 'file' && [r.name, r.size, r.crc])).toEqual([
      ['etc/motd', 6, '0001020304050607'],
      ['empty', 0, null],
      ['crc-empty', 5, null],
      ['a&b<c>', 1, '0001020304050607'],
      ['quote"and\\slash', 2, '0001020304050607'],
      [Buffer.from('café/日本').toString('latin1'), 3, '0001020304050607'],
      [Buffer.from([0x66, 0xff, 0x2f]).toString('latin1'), 4, '0001020304050607'],
      ['big', 123456789012345, '0001020304050607'],
    ]);
    // Damaged records, each a line of its own (a gzip'd file smaller than zlib's smallest piece, too).
    for (const [line, message] of [
      ['{"type":1,"name":"a","size":-4,"payload":null,"position":1}', 'line 1: impossible size -4'],
      ['{"type":1,"name":"a","size":1.5,"payload":null,"position":1}', 'line 1: impossible size 1.5'],
      ['{"type":1,"name":"a","size":12345678901234567890,"payload":null,"position":1}', 'line 1: impossible size 12345678901234567000'],
      ['{"type":1,"name":"a","size":01,"payload":null,"position":1}', 'line 1 is not JSON'],
      ['{"type":1,"name":"a\tb","payload":null,"position":1}', 'line 1 is not JSON'],
      ['{"type":1,"name":"a","payload":null,"position":1', 'line 1 is not JSON'],
      ['{"type":1,"name":"a","payload":null,"position":1}}', 'line 1 is not JSON'],
      ['{"type":1,"name":"a","payload":null,"position":}', 'line 1 is not JSON'],
      ['{"type":1,"name":"a","payload":"AAAA,"position":1}', 'line 1 is not JSON'],
    ]) {
      expect(() => read([line]), line).toThrow(`layer 0: ${file} ${message}`);
    }
  });

  it('keeps a name that is not UTF-8 as its bytes, on disk and in the tar', async () => {
    const layer = await tarOf([{ name: 'x-name', body: 'four' }]);
    const raw = Buffer.from([0x78, 0xff, 0x6e, 0x61, 0x6d, 0x65]); // "x\xffname": same length as "x-name"
    const split = splitLayer(layer, tempDir(), (n) => (n === 'x-name' ? raw : Buffer.from(n)));
    expect(fs.readdirSync(split.diffDir, { encoding: 'buffer' })).toEqual([raw]);
    expect(collect(assembleLayerTar(split, 'test')).equals(layer)).toBe(true);
  });

  it('reads one file at its content offset, checked against its recorded CRC-64', async () => {
    const layer = await tarOf([{ name: 'a.txt', body: 'first' }, { name: 'b.txt', body: 'second file' }]);
    const split = splitLayer(layer, tempDir());
    expect(readLayerFileAt(split, 512 * 3, 11, 'test').toString()).toBe('second file');
    fs.writeFileSync(path.join(split.diffDir, 'b.txt'), 'SECOND FILE');
    expect(() => readLayerFileAt(split, 512 * 3, 11, 'test')).toThrow(/"b\.txt" in the layer's directory differs from what the engine recorded \(CRC-64 mismatch\)/);
  });

  it("reads a piece from inside a file (a big file's digest is taken in pieces), and knows where files are not", async () => {
    const body = Buffer.alloc(3 << 20);
    for (let i = 0; i < body.length; i++) body[i] = 32 + ((i * 7) % 95); // printable ASCII: tarOf writes its bodies as text
    const layer = await tarOf([{ name: 'a.txt', body: 'first' }, { name: 'big.bin', body: body.toString('latin1') }]);
    const split = splitLayer(layer, tempDir());
    const start = 512 * 3;
    expect(readLayerFileAt(split, start + (1 << 20), 4096, 'test').equals(body.subarray(1 << 20, (1 << 20) + 4096))).toBe(true);
    // A piece that reaches past the file's end stops at it.
    expect(readLayerFileAt(split, start + body.length - 10, 4096, 'test').length).toBe(10);
    expect(() => readLayerFileAt(split, 0, 10, 'test')).toThrow(/no file content at offset 0 of the layer/);
  });

  it('a file shorter on disk than the layer says is one clear error, not a short tar', async () => {
    const layer = await tarOf([{ name: 'a.txt', body: 'twelve bytes' }]);
    const split = splitLayer(layer, tempDir());
    fs.writeFileSync(path.join(split.diffDir, 'a.txt'), 'short');
    expect(() => collect(assembleLayerTar(split, 'layer 3'))).toThrow(/^layer 3: "a\.txt" in the layer's directory is shorter than the layer says \(5 of 12 bytes\)/);
  });

  it('a record that climbs out of the layer directory is refused', async () => {
    const layer = await tarOf([{ name: 'a.txt', body: 'x' }]);
    const split = splitLayer(layer, tempDir(), () => Buffer.from('../../etc/passwd'));
    expect(() => collect(assembleLayerTar(split, 'layer 0'))).toThrow(/^layer 0: entry "\.\.\/\.\.\/etc\/passwd" climbs out of the layer$/);
  });

  it('a damaged record says which file and line', async () => {
    const dir = tempDir();
    const tarSplit = path.join(dir, 'tar-split.json.gz');
    fs.mkdirSync(path.join(dir, 'diff'));
    fs.writeFileSync(tarSplit, gzipSync('{"type":2,"payload":"","position":0}\n{"type":1,"name":"a","size":-4}\n'));
    expect(() => collect(assembleLayerTar({ tarSplit, diffDir: path.join(dir, 'diff') }, 'layer 1'))).toThrow(`layer 1: ${tarSplit} line 2: impossible size -4`);
    // A segment line cut short anywhere in its tail (the record truncated): that line is not JSON.
    const segment = '{"type":2,"payload":"AAAA","position":12}';
    for (let cut = segment.indexOf('",') + 1; cut < segment.length; cut++) {
      fs.writeFileSync(tarSplit, gzipSync(`${segment}\n${segment.slice(0, cut)}`));
      expect(() => collect(assembleLayerTar({ tarSplit, diffDir: path.join(dir, 'diff') }, 'layer 1')), `cut at ${cut}`).toThrow(`layer 1: ${tarSplit} line 2 is not JSON`);
    }
    fs.writeFileSync(tarSplit, 'not gzip');
    expect(() => collect(assembleLayerTar({ tarSplit, diffDir: path.join(dir, 'diff') }, 'layer 1'))).toThrow(`layer 1: ${tarSplit} is not a gzip'd tar-split record`);
  });
});
