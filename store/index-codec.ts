import { FathomError } from '../src/errors.js';
import { CONTENT_HASH_BYTES, LayerIndex, type LayerStats } from './layer-index.js';

/**
 * The on-disk form of a LayerIndex: a small JSON header, the paths as one NUL-joined string, then
 * each column's raw bytes. Loading is a few memcpy's and one string split, so a warm open stays fast.
 */
const MAGIC = Buffer.from('FATHOMI1');

interface IndexHeader {
  count: number;
  pathBytes: number;
  stats: LayerStats;
  links: [number, string][];
  devices: [number, string][];
}

export function encodeIndex(index: LayerIndex): Buffer {
  const pathsBlob = Buffer.from(index.paths.join('\0'));
  const header: IndexHeader = {
    count: index.count,
    pathBytes: pathsBlob.length,
    stats: index.stats,
    links: [...index.links],
    devices: [...index.devices],
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBytes.length);
  const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([
    MAGIC,
    len,
    headerBytes,
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
}

export function decodeIndex(buf: Buffer, where: string): LayerIndex {
  const corrupt = () => new FathomError(`${where}: the stored file index is damaged; run \`fathom store rm\` on this image and open it again`);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw corrupt();
  const headerLen = buf.readUInt32LE(8);
  let header: IndexHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as IndexHeader;
  } catch {
    throw corrupt();
  }
  const n = header.count;
  let pos = 12 + headerLen;
  const expected = pos + header.pathBytes + n * (8 * 3 + 4 * 2 + 2 + 1 + CONTENT_HASH_BYTES);
  if (buf.length !== expected) throw corrupt();
  // Checked now, decoded on first use: a damaged index is refused when it is loaded, not later.
  // A copy: the rest of the file's bytes are copied into columns below and need not stay alive.
  const pathBytes = Buffer.from(buf.subarray(pos, pos + header.pathBytes));
  pos += header.pathBytes;
  // Counted in a latin1 view of the bytes (a NUL byte is never part of a UTF-8 sequence): a string's
  // indexOf is several times cheaper per call than a Buffer's.
  const bytesAsText = pathBytes.toString('latin1');
  let separators = 0;
  for (let at = bytesAsText.indexOf('\0'); at !== -1; at = bytesAsText.indexOf('\0', at + 1)) separators++;
  if (n === 0 ? header.pathBytes !== 0 : separators !== n - 1) throw corrupt();
  const paths = () => (n === 0 ? [] : pathBytes.toString('utf8').split('\0'));
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
  return new LayerIndex(n, paths, kinds, sizes, modes, uids, gids, mtimes, offsets, new Map(header.links), new Map(header.devices), hashes, header.stats);
}
