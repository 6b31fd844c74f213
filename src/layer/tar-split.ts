import fs from 'node:fs';
import { nodeZlib } from '../lazy-node.js';
import { FathomError } from '../errors.js';

/**
 * An engine's record of a layer tar as it was applied (vbatts/tar-split, kept by Docker's layerdb and by
 * containers-storage): the tar's own bytes except file contents, which sit in the layer's directory.
 * Put back together, it is the layer tar byte for byte, so its sha256 is the layer's diff ID.
 */
export interface TarSplitLayer {
  /** `tar-split.json.gz` (Docker) or `<id>.tar-split.gz` (containers-storage). */
  tarSplit: string;
  /** The layer's files as the engine unpacked them (`overlay2/<cache-id>/diff`, `overlay/<id>/diff`). */
  diffDir: string;
}

/** One record: raw tar bytes (headers, padding, the end), or a file whose content is read from the layer directory. */
export type TarSplitRecord =
  | { kind: 'segment'; bytes: Buffer }
  | {
      kind: 'file';
      /** The name's bytes as the tar holds them (tar-split keeps a name that is not UTF-8 as bytes). */
      name: Buffer;
      size: number;
      /** CRC-64/ISO of the content as tar-split recorded it, 8 bytes; null for empty files. */
      crc: Buffer | null;
    };

/**
 * The head of a segment record as Go's encoding/json writes it (tar-split's own field order). Segments
 * are half the records and nearly all the bytes of a big layer's file (tar headers, base64'd): read in
 * place they cost a third of what parsing each line as JSON and as a UTF-8 string does. Any other form
 * of line is parsed as JSON.
 */
const SEGMENT_HEAD = Buffer.from('{"type":2,"payload":"');
const SEGMENT_TAIL = Buffer.from('","position":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A segment's raw bytes when `line` is one in tar-split's own form, else null (parse it as JSON). */
function segmentInPlace(text: Buffer, start: number, end: number): Buffer | null {
  if (end - start < SEGMENT_HEAD.length + SEGMENT_TAIL.length + 2 || text.compare(SEGMENT_HEAD, 0, SEGMENT_HEAD.length, start, start + SEGMENT_HEAD.length) !== 0) return null;
  const from = start + SEGMENT_HEAD.length;
  const quote = text.indexOf(QUOTE, from);
  // A line cut short (a damaged record) has no room for the tail: JSON.parse then says what is wrong.
  if (quote < 0 || quote + SEGMENT_TAIL.length >= end - 1) return null;
  if (text.subarray(from, quote).includes(BACKSLASH)) return null;
  if (text.compare(SEGMENT_TAIL, 0, SEGMENT_TAIL.length, quote, quote + SEGMENT_TAIL.length) !== 0 || text[end - 1] !== 0x7d) return null;
  for (let i = quote + SEGMENT_TAIL.length; i < end - 1; i++) if (text[i] < 0x30 || text[i] > 0x39) return null;
  return Buffer.from(text.toString('latin1', from, quote), 'base64');
}

/** Inflates into one buffer sized by the gzip trailer (zlib's default 16 KiB pieces cost a concat and their garbage). */
function gunzipWhole(gz: Buffer): Buffer {
  // ISIZE is the size mod 2^32; a wrong one (or a second member) only costs zlib more pieces.
  const stated = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  // zlib takes no piece under 64 bytes: a record that small (a damaged one) would fail as "not gzip".
  return nodeZlib().gunzipSync(gz, stated > 0 && stated <= MAX_ONE_PIECE ? { chunkSize: Math.max(stated + 1, 64) } : {});
}
const MAX_ONE_PIECE = 256 << 20;

/**
 * A tar-split file's records, in order, parsed as they are asked for (the file is inflated whole: a few
 * MB for a big layer). Each record can be dropped once used: a 25k-entry layer's records, held in a list
 * until the last was parsed, were promoted out of the young generation; its scan took ~60 ms longer.
 */
export function* tarSplitRecords(file: string, where: string): Generator<TarSplitRecord> {
  let text: Buffer;
  try {
    text = gunzipWhole(fs.readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FathomError(`${where}: the engine's record of this layer (${file}) is gone: was the image removed? Open it again`);
    if (code === 'EACCES' || code === 'EPERM') throw new FathomError(`${where}: ${file} is not readable (${code})`);
    throw new FathomError(`${where}: ${file} is not a gzip'd tar-split record`);
  }
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf(0x0a, start);
    const end = newline < 0 ? text.length : newline;
    const at = start;
    start = end + 1;
    lineNo++;
    if (end === at) continue;
    const segment = segmentInPlace(text, at, end);
    if (segment) {
      yield { kind: 'segment', bytes: segment };
      continue;
    }
    let raw: { type?: unknown; name?: unknown; name_raw?: unknown; size?: unknown; payload?: unknown };
    try {
      raw = JSON.parse(text.toString('utf8', at, end)) as typeof raw;
    } catch {
      throw new FathomError(`${where}: ${file} line ${lineNo} is not JSON`);
    }
    if (raw.type === 2 && typeof raw.payload === 'string') {
      yield { kind: 'segment', bytes: Buffer.from(raw.payload, 'base64') };
    } else if (raw.type === 1) {
      const size = raw.size ?? 0;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new FathomError(`${where}: ${file} line ${lineNo}: impossible size ${JSON.stringify(size)}`);
      const name = typeof raw.name_raw === 'string' ? Buffer.from(raw.name_raw, 'base64') : typeof raw.name === 'string' ? Buffer.from(raw.name) : null;
      if (name === null) throw new FathomError(`${where}: ${file} line ${lineNo}: a file record without a name`);
      const crc = typeof raw.payload === 'string' && raw.payload !== '' ? Buffer.from(raw.payload, 'base64') : null;
      yield { kind: 'file', name, size, crc };
    } else {
      throw new FathomError(`${where}: ${file} line ${lineNo}: unknown record type ${JSON.stringify(raw.type)}`);
    }
  }
}

/** A tar name for a message: quoted, invalid UTF-8 shown as U+FFFD. */
function quoted(name: Buffer): string {
  return JSON.stringify(name.toString('utf8'));
}

/**
 * Opens a layer's files by their tar names, never outside its directory: a parent that is a symlink
 * (a layer may write through one; Docker resolves it inside the root) must not lead to the host's files.
 */
export class LayerDirReader {
  private readonly rootBytes: Buffer;
  private readonly rootLatin1: string;
  private readonly safeDirs = new Map<string, boolean>();

  constructor(
    diffDir: string,
    private readonly where: string,
  ) {
    try {
      const root = fs.realpathSync(diffDir, { encoding: 'buffer' });
      this.rootLatin1 = root.toString('latin1');
      this.rootBytes = Buffer.concat([root, Buffer.from('/')]);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new FathomError(code === 'ENOENT' ? `${where}: the layer's directory ${diffDir} is gone: was the image removed? Open it again` : `${where}: ${diffDir} is not readable (${code})`);
    }
  }

  /** An open descriptor of the file `name` (its tar name's bytes, relative), or a clear error. */
  open(name: Buffer): number {
    // Split on '/' as bytes (latin1 keeps one char per byte), so a name that is not UTF-8 stays intact.
    const parts = name.toString('latin1').split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new FathomError(`${this.where}: entry ${quoted(name)} climbs out of the layer`);
    const parentParts = parts.slice(0, -1);
    let parent: Buffer = Buffer.from(parentParts.join('/'), 'latin1');
    // A parent that is a symlink the layer made: followed inside the layer's root, as Docker's applier
    // (chrooted there) followed it when it wrote the file; never to the host's files.
    if (!this.parentInside(parent)) parent = this.resolveInside(parentParts, name);
    const full = parent.length ? Buffer.concat([this.rootBytes, parent, Buffer.from('/'), Buffer.from(parts.at(-1) ?? '', 'latin1')]) : Buffer.concat([this.rootBytes, Buffer.from(parts.at(-1) ?? '', 'latin1')]);
    try {
      return fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new FathomError(`${this.where}: cannot read ${quoted(name)} from the layer's directory (${code === 'ENOENT' ? 'gone: was the image removed?' : code})`);
    }
  }

  /** The directory `parts` names, each symlink on the way followed within the root (an absolute target starts there). */
  private resolveInside(parts: string[], name: Buffer): Buffer<ArrayBuffer> {
    const out: string[] = [];
    const queue = [...parts];
    for (let hops = 0; queue.length > 0; ) {
      const c = queue.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        out.pop();
        continue;
      }
      const at = Buffer.concat([this.rootBytes, Buffer.from([...out, c].join('/'), 'latin1')]);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(at);
      } catch {
        // Followed within the root, the symlink leads nowhere: what it named is outside the layer.
        if (hops > 0) throw new FathomError(`${this.where}: entry ${quoted(name)} lies behind a symlink that leads out of the layer's directory`);
        throw new FathomError(`${this.where}: cannot read ${quoted(name)} from the layer's directory (gone: was the image removed?)`);
      }
      if (!st.isSymbolicLink()) {
        out.push(c);
        continue;
      }
      if (++hops > 40) throw new FathomError(`${this.where}: entry ${quoted(name)}: too many symlinks in its path (a loop)`);
      const target = fs.readlinkSync(at, { encoding: 'buffer' }).toString('latin1');
      if (target.startsWith('/')) out.length = 0;
      queue.unshift(...target.split('/'));
    }
    return Buffer.from(out.join('/'), 'latin1');
  }

  private parentInside(parent: Buffer): boolean {
    if (parent.length === 0) return true;
    const key = parent.toString('latin1');
    const known = this.safeDirs.get(key);
    if (known !== undefined) return known;
    let inside: boolean;
    try {
      const real = fs.realpathSync(Buffer.concat([this.rootBytes, parent]), { encoding: 'buffer' }).toString('latin1');
      inside = real === this.rootLatin1 || real.startsWith(`${this.rootLatin1}/`);
    } catch {
      inside = false; // missing, or a symlink that only resolves within the layer: resolveInside says which
    }
    this.safeDirs.set(key, inside);
    return inside;
  }
}

/** Small enough to stay in the core's cache while the reader hashes and parses it (see index-worker.ts). */
const CHUNK_BYTES = 256 << 10;

/**
 * The layer tar put back together from its tar-split record and its directory, in chunks of up to 256 KB
 * (headers and small files are gathered, so the reader sees few, full chunks). The chunk buffer is
 * reused: a consumer must not keep a chunk after the next is asked for.
 */
export function* assembleLayerTar(layer: TarSplitLayer, where: string): Generator<Buffer> {
  const records = tarSplitRecords(layer.tarSplit, where);
  const dir = new LayerDirReader(layer.diffDir, where);
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const r of records) {
    if (r.kind === 'segment') {
      for (let at = 0; at < r.bytes.length; ) {
        if (used === CHUNK_BYTES) {
          yield buf;
          used = 0;
        }
        const n = r.bytes.copy(buf, used, at);
        used += n;
        at += n;
      }
      continue;
    }
    if (r.size === 0) continue;
    const fd = dir.open(r.name);
    try {
      for (let done = 0; done < r.size; ) {
        if (used === CHUNK_BYTES) {
          yield buf;
          used = 0;
        }
        const got = fs.readSync(fd, buf, used, Math.min(CHUNK_BYTES - used, r.size - done), done);
        if (got === 0) throw new FathomError(`${where}: ${quoted(r.name)} in the layer's directory is shorter than the layer says (${done} of ${r.size} bytes): changed since the engine stored it`);
        used += got;
        done += got;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

/** A tar-split's file records, each with where its content starts in the layer tar. */
interface FileRecords {
  starts: number[];
  files: Extract<TarSplitRecord, { kind: 'file' }>[];
}

/**
 * The file records of the last few tar-split files read, by path and checked against their size and
 * mtime: a view, an extract or a file's digest reads one file (or one piece of it) at a time, and parsing a
 * big layer's record (tens of MB of JSON) for each would cost more than the read.
 */
const recentRecords = new Map<string, { stamp: string; records: FileRecords }>();
const RECENT_RECORDS = 4;

function fileRecords(layer: TarSplitLayer, where: string): FileRecords {
  let stamp = '';
  try {
    const st = fs.statSync(layer.tarSplit);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // tarSplitRecords says what is wrong with it
  }
  const known = recentRecords.get(layer.tarSplit);
  if (known && known.stamp === stamp) return known.records;
  const records: FileRecords = { starts: [], files: [] };
  let position = 0;
  for (const r of tarSplitRecords(layer.tarSplit, where)) {
    if (r.kind === 'segment') {
      position += r.bytes.length;
      continue;
    }
    if (r.size > 0) {
      records.starts.push(position);
      records.files.push(r);
    }
    position += r.size;
  }
  recentRecords.delete(layer.tarSplit);
  recentRecords.set(layer.tarSplit, { stamp, records });
  if (recentRecords.size > RECENT_RECORDS) recentRecords.delete(recentRecords.keys().next().value!);
  return records;
}

/**
 * Reads up to `length` bytes at `offset` in the layer tar, inside the content of one file, straight from
 * the layer's directory. A read of a whole file is checked against the CRC-64 the engine recorded for it.
 */
export function readLayerFileAt(layer: TarSplitLayer, offset: number, length: number, where: string): Buffer {
  const { starts, files } = fileRecords(layer, where);
  // The last file whose content starts at or before `offset`.
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  const r = files[lo];
  const from = offset - (starts[lo] ?? 0);
  if (!r || from < 0 || from >= r.size) throw new FathomError(`${where}: no file content at offset ${offset} of the layer`);
  const want = Math.min(length, r.size - from);
  const fd = new LayerDirReader(layer.diffDir, where).open(r.name);
  const out = Buffer.alloc(want);
  let got = 0;
  try {
    while (got < want) {
      const n = fs.readSync(fd, out, got, want - got, from + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (got < want) throw new FathomError(`${where}: ${quoted(r.name)} in the layer's directory is shorter than the layer says: changed since the engine stored it`);
  if (from === 0 && want === r.size && r.crc && !crc64Iso(out).equals(r.crc)) {
    throw new FathomError(`${where}: ${quoted(r.name)} in the layer's directory differs from what the engine recorded (CRC-64 mismatch): changed since it was stored`);
  }
  return out;
}

/** CRC-64 with the ISO polynomial, as Go's hash/crc64 computes it (tar-split's per-file checksum), big-endian. */
export function crc64Iso(data: Uint8Array): Buffer {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const t = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ CRC_LO[t];
    hi = (hi >>> 8) ^ CRC_HI[t];
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE(~hi >>> 0, 0);
  out.writeUInt32BE(~lo >>> 0, 4);
  return out;
}

// The reflected ISO polynomial 0xD800000000000000, a table of 256 64-bit values as two 32-bit halves.
const CRC_HI = new Uint32Array(256);
const CRC_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) hi = (hi ^ 0xd8000000) >>> 0;
  }
  CRC_HI[n] = hi;
  CRC_LO[n] = lo;
}
