import fs from 'node:fs';
import { FathomError } from '../src/errors.js';
import { digestHex } from './sealed.js';
import { decodeName, encodeName } from '../src/tar/name-bytes.js';
import { CONTENT_HASH_BYTES, LayerIndex, type IndexColumns, type LayerStats } from './layer-index.js';

/**
 * The on-disk form of a LayerIndex: a small JSON header, the paths as one NUL-joined string, then
 * each column's raw bytes. Loading is a few memcpy's and one string split, so a warm open stays fast;
 * a stored index's columns load only when first used (openStoredIndex).
 */
// 2: the header names its layer's diff ID, and the file ends with the sha256 of its header and of its columns.
// 3: paths are the tar's bytes (a name that is not UTF-8 is kept, see name-bytes.ts; 2 stored U+FFFD).
// 4: the digest column covers a file's first HEAD_BYTES; whole digests of big files, where taken, are in the header.
const MAGIC = Buffer.from('FATHOMI4');
const TRAILER_BYTES = 64;

interface IndexHeader {
  /** The layer this index belongs to: two swapped index files are caught. */
  diffId: string;
  count: number;
  pathBytes: number;
  stats: LayerStats;
  links: [number, string][];
  devices: [number, string][];
  /** Absent in indexes written before fathom placed entries written through a symlink. */
  through?: [number, string][];
  /** Whole-content digests (hex) of files over HEAD_BYTES, where taken. */
  full?: [number, string][];
}

export function encodeIndex(index: LayerIndex, diffId: string): Buffer {
  const pathsBlob = encodeName(index.paths.join('\0'));
  const header: IndexHeader = {
    diffId,
    count: index.count,
    pathBytes: pathsBlob.length,
    stats: index.stats,
    links: [...index.links],
    devices: [...index.devices],
    ...(index.writtenThrough.size > 0 && { through: [...index.writtenThrough] }),
    ...(index.fullDigests.size > 0 && { full: [...index.fullDigests].map(([i, d]): [number, string] => [i, d.toString('hex')]) }),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBytes.length);
  const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const body = Buffer.concat([
    pathsBlob,
    bytesOf(index.sizes),
    bytesOf(index.mtimes),
    bytesOf(index.offsets),
    bytesOf(index.uids),
    bytesOf(index.gids),
    bytesOf(index.modes),
    bytesOf(index.kinds),
    index.hashes,
  ]);
  // The header is checked when the index opens, the columns when they are first read.
  const trailer = Buffer.from(digestHex(Buffer.concat([MAGIC, len, headerBytes])) + digestHex(body), 'hex');
  return Buffer.concat([MAGIC, len, headerBytes, body, trailer]);
}

/** The message for any damage found in a stored index, read now or on first use. */
function damaged(where: string): FathomError {
  return new FathomError(`${where}: the stored file index is damaged; run \`fathom store rm\` on this image and open it again`);
}

/** The header of an encoded index, from its first bytes, and the length the whole must have. */
function readHeader(head: Buffer, where: string): { header: IndexHeader; bodyStart: number; length: number } {
  if (head.length < 12 || !head.subarray(0, 8).equals(MAGIC)) throw damaged(where);
  const bodyStart = 12 + head.readUInt32LE(8);
  if (head.length < bodyStart) throw damaged(where);
  let header: IndexHeader;
  try {
    header = JSON.parse(head.toString('utf8', 12, bodyStart)) as IndexHeader;
  } catch {
    throw damaged(where);
  }
  if (typeof header !== 'object' || header === null || !Number.isSafeInteger(header.count) || !Number.isSafeInteger(header.pathBytes)) throw damaged(where);
  return { header, bodyStart, length: bodyStart + header.pathBytes + header.count * (8 * 3 + 4 * 2 + 2 + 1 + CONTENT_HASH_BYTES) + TRAILER_BYTES };
}

/** Checks the header's digest (the first half of the trailer) against the header's bytes. */
function checkHeader(head: Buffer, bodyStart: number, trailer: Buffer, where: string, diffId: string | null, header: IndexHeader): void {
  if (trailer.length !== TRAILER_BYTES || digestHex(head.subarray(0, bodyStart)) !== trailer.toString('hex', 0, 32)) throw damaged(where);
  if (diffId !== null && header.diffId !== diffId) throw damaged(where);
}

/** Checks the columns' digest (the second half of the trailer). */
function checkBody(buf: Buffer, bodyStart: number, where: string): void {
  const end = buf.length - TRAILER_BYTES;
  if (digestHex(buf.subarray(bodyStart, end)) !== buf.toString('hex', end + 32, end + 64)) throw damaged(where);
}

/** The columns from a whole encoded index whose header has been read. */
function readColumns(buf: Buffer, header: IndexHeader, bodyStart: number, where: string): IndexColumns {
  const n = header.count;
  let pos = bodyStart;
  // Checked now, decoded on first use: damaged paths are refused when the columns are read, not later.
  // A copy: the rest of the file's bytes are copied into columns below and need not stay alive.
  const pathBytes = Buffer.from(buf.subarray(pos, pos + header.pathBytes));
  pos += header.pathBytes;
  // Counted in a latin1 view of the bytes (a NUL byte is never part of a UTF-8 sequence): a string's
  // indexOf is several times cheaper per call than a Buffer's.
  const bytesAsText = pathBytes.toString('latin1');
  let separators = 0;
  for (let at = bytesAsText.indexOf('\0'); at !== -1; at = bytesAsText.indexOf('\0', at + 1)) separators++;
  if (n === 0 ? header.pathBytes !== 0 : separators !== n - 1) throw damaged(where);
  const take = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(make: (n: number) => T, width: number): T => {
    const column = make(n);
    Buffer.from(column.buffer).set(buf.subarray(pos, pos + n * width));
    pos += n * width;
    return column;
  };
  const sizes = take((k) => new Float64Array(k), 8);
  const mtimes = take((k) => new Float64Array(k), 8);
  const offsets = take((k) => new Float64Array(k), 8);
  const uids = take((k) => new Uint32Array(k), 4);
  const gids = take((k) => new Uint32Array(k), 4);
  const modes = take((k) => new Uint16Array(k), 2);
  const kinds = take((k) => new Uint8Array(k), 1);
  const hashes = Buffer.from(buf.subarray(pos, pos + n * CONTENT_HASH_BYTES));
  return { paths: () => (n === 0 ? [] : decodeName(pathBytes).split('\0')), kinds, sizes, modes, uids, gids, mtimes, offsets, hashes };
}

function layerIndexOf(header: IndexHeader, columns: IndexColumns | (() => IndexColumns)): LayerIndex {
  const full = new Map((header.full ?? []).map(([i, hex]) => [i, Buffer.from(hex, 'hex')]));
  return new LayerIndex(header.count, header.stats, new Map(header.links), new Map(header.devices), columns, new Map(header.through ?? []), full);
}

/**
 * A whole encoded index, decoded now: one a worker thread of this process encoded (a stored index is
 * read by openStoredIndex). Its header and shape are checked; the digest of its body is not, as those
 * bytes never left memory: hashing them again cost a 505k-entry first open ~0.1 s of the main thread.
 */
export function decodeIndex(buf: Buffer, where: string): LayerIndex {
  const { header, bodyStart, length } = readHeader(buf, where);
  if (buf.length !== length) throw damaged(where);
  checkHeader(buf, bodyStart, buf.subarray(length - TRAILER_BYTES), where, null, header);
  return layerIndexOf(header, readColumns(buf, header, bodyStart, where));
}

/** How many bytes of a stored index are read up front: its header, nearly always. */
const HEAD_BYTES = 64 << 10;

/**
 * A stored index: its header (figures, links) is read now, and checked against the file's length; its
 * columns are read, and checked, when first used. Null when the file is not there.
 */
export function openStoredIndex(file: string, where: string, diffId: string): LayerIndex | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  let opened: ReturnType<typeof readHeader>;
  try {
    const size = fs.fstatSync(fd).size;
    let head = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    // A header longer than the first read (a layer of many links): read up to its end.
    const headerEnd = head.length >= 12 ? 12 + head.readUInt32LE(8) : 0;
    if (headerEnd > head.length && headerEnd <= size) {
      head = Buffer.allocUnsafe(headerEnd);
      head = head.subarray(0, fs.readSync(fd, head, 0, headerEnd, 0));
    }
    opened = readHeader(head, where);
    if (size !== opened.length) throw damaged(where);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    fs.readSync(fd, trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    checkHeader(head, opened.bodyStart, trailer, where, diffId, opened.header);
  } finally {
    fs.closeSync(fd);
  }
  const { header, bodyStart, length } = opened;
  return layerIndexOf(header, () => {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      throw damaged(where);
    }
    if (buf.length !== length) throw damaged(where);
    checkBody(buf, bodyStart, where);
    return readColumns(buf, header, bodyStart, where);
  });
}
