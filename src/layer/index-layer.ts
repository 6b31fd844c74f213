import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { FathomError } from '../errors.js';
import { EntryKind } from '../model/entry.js';
import { HEAD_BYTES, LayerIndexBuilder, type LayerIndex } from '../../store/layer-index.js';
import type { TarHeader } from '../tar/header.js';
import { TarStreamParser } from '../tar/stream-parser.js';
import { normalizeEntryPath, readWhiteout } from '../tar/entry-path.js';
import { LayerWritePaths } from './write-through.js';
import { createDecompressor, sniffCompression, type Compression } from './compression.js';

export interface IndexedLayer {
  index: LayerIndex;
  compression: Compression;
  /** sha256 of the bytes as received. */
  blobDigest: string;
  blobBytes: number;
  /** sha256 of the uncompressed tar: the layer's diff ID. */
  diffId: string;
}

export interface IndexLayerOptions {
  /** Names the layer in errors: "img.tar: layer 3 (sha256:ab12…)". */
  where: string;
  /** Receives every received byte, e.g. to keep the blob in the store. */
  onBlobChunk?: (chunk: Buffer) => void;
  onProgress?: (blobBytesRead: number) => void;
  /**
   * Which big files get the digest of their whole content now (see HEAD_BYTES): every one (the default,
   * for a layer no store keeps), or only those of a compressed blob, which could not be read back by
   * offset without inflating it again. A store that can read a plain layer back asks for 'compressed'.
   */
  fullDigests?: 'all' | 'compressed';
}

const TYPEFLAG_KINDS: Record<string, EntryKind> = {
  '0': EntryKind.file,
  '7': EntryKind.file,
  '1': EntryKind.hardlink,
  '2': EntryKind.symlink,
  '3': EntryKind.char,
  '4': EntryKind.block,
  '5': EntryKind.dir,
  '6': EntryKind.fifo,
};

/**
 * Reads one layer blob in a single pass: hashes it as received and as uncompressed, and indexes every
 * tar entry (file contents are hashed so later layers can be compared with them; nothing is extracted).
 */
export async function indexLayerStream(input: AsyncIterable<Buffer> | Iterable<Buffer>, opts: IndexLayerOptions): Promise<IndexedLayer> {
  const { where } = opts;
  const builder = new LayerIndexBuilder();
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  let blobBytes = 0;

  const placement = new LayerWritePaths(where);
  // Decided by the first bytes (the compression), before the parser sees any entry.
  const digests: { mode: DigestMode } = { mode: opts.fullDigests === 'compressed' ? 'heads' : 'whole' };
  const parser = new TarStreamParser((header, contentOffset) => visitEntry(builder, placement, header, contentOffset, where, digests.mode), where);
  let compression: Compression | null = null;
  let decompressor: ReturnType<typeof createDecompressor> | null = null;
  // For a plain tar the blob is the layer: one hash serves as both digests.
  let plainIsBlob = false;
  const onPlain = (chunk: Buffer) => {
    if (!plainIsBlob) diffHash.update(chunk);
    parser.push(chunk);
  };

  /** One chunk of the blob as received: hashed, kept when asked, inflated; the first one decides how. */
  const feed = async (chunk: Buffer) => {
    if (!decompressor) {
      compression = sniffCompression(chunk);
      plainIsBlob = compression === 'none';
      if (!plainIsBlob) digests.mode = 'whole';
      decompressor = createDecompressor(compression, onPlain, where);
    }
    blobHash.update(chunk);
    blobBytes += chunk.length;
    opts.onBlobChunk?.(chunk);
    await decompressor.push(chunk);
  };
  // The magic bytes may arrive split over several chunks: four are gathered before the first is judged.
  let head: Buffer | null = null;
  for await (const received of input) {
    if (received.length === 0) continue;
    let chunk = received;
    if (!decompressor) {
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.length < 4) {
        head = Buffer.from(head); // a reader may reuse the chunk's buffer
        continue;
      }
      chunk = head;
      head = null;
    }
    await feed(chunk);
    opts.onProgress?.(blobBytes);
  }
  // A blob of fewer than four bytes: whatever it is, it is judged (and refused) whole.
  if (head) await feed(head);
  // Set by feed(), which the compiler can't follow into.
  const inflater = decompressor as ReturnType<typeof createDecompressor> | null;
  if (!inflater) throw new FathomError(`${where}: the layer blob is empty`);
  await inflater.finish();
  parser.end();
  const blobDigest = `sha256:${blobHash.digest('hex')}`;
  return {
    index: builder.build(parser.position),
    compression: compression ?? 'none',
    blobDigest,
    blobBytes,
    diffId: plainIsBlob ? blobDigest : `sha256:${diffHash.digest('hex')}`,
  };
}

/**
 * A plain layer tar indexed as its bytes are handed over (`push`), on the thread that receives them: for
 * a stream whose bytes are in memory once anyway (an engine's export), where reading them back from disk
 * on a worker would cost a second copy and leave the last layer to be read after the stream has ended.
 * Hashed once (the blob is the layer: one digest is both); each file's head digest taken as it passes
 * (a plain layer is read back by offset for anything more, see HEAD_BYTES).
 */
export class PlainLayerIndexer {
  private readonly builder = new LayerIndexBuilder();
  private readonly hash = createHash('sha256');
  private readonly parser: TarStreamParser;
  private bytes = 0;

  constructor(where: string) {
    const placement = new LayerWritePaths(where);
    this.parser = new TarStreamParser((header, contentOffset) => visitEntry(this.builder, placement, header, contentOffset, where, 'heads'), where);
  }

  /** Whether a blob that starts with these bytes is one this indexer reads: a plain tar, not a compressed one. */
  static reads(start: Buffer): boolean {
    return start.length >= 4 && sniffCompression(start) === 'none';
  }

  /** The next bytes; not kept (a caller may reuse the buffer). */
  push(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.parser.push(chunk);
  }

  /** All of it has been pushed: the index, or the error that the tar is cut short or malformed. */
  finish(): IndexedLayer {
    this.parser.end();
    const digest = `sha256:${this.hash.digest('hex')}`;
    return { index: this.builder.build(this.parser.position), compression: 'none', blobDigest: digest, blobBytes: this.bytes, diffId: digest };
  }
}

/**
 * Which content digests an entry gets as its bytes pass: none (an index from the headers alone, see
 * scan-headers.ts), the head of each file (see HEAD_BYTES), or the head and, for a big file, the whole.
 */
export type DigestMode = 'none' | 'heads' | 'whole';

/** Adds one tar entry to the index; returns what its content bytes must be fed to, if anything. */
export function visitEntry(builder: LayerIndexBuilder, placement: LayerWritePaths, header: TarHeader, contentOffset: number, where: string, digests: DigestMode): ((chunk: Buffer) => void) | null {
  // Named only for an error: every entry of every layer passes through here.
  const entryWhere = () => `${where}: entry ${JSON.stringify(header.name)}`;
  const tarPath = normalizeEntryPath(header.name, where);
  if (tarPath === '') return null; // the root directory's own entry: nothing to show, nothing a layer can replace
  let kind = TYPEFLAG_KINDS[header.typeflag];
  if (kind === undefined) {
    if (header.typeflag === 'S') throw new FathomError(`${entryWhere()}: GNU sparse entries are not supported (Docker never writes them)`);
    throw new FathomError(`${entryWhere()}: unsupported tar entry type '${header.typeflag}'`);
  }
  if (kind === EntryKind.file && header.name.endsWith('/')) kind = EntryKind.dir; // pre-POSIX tars mark dirs by name
  // Where Docker writes it: through a symlink this layer made earlier, the entry lands at the real path.
  const placed = placement.place(tarPath, kind, kind === EntryKind.symlink ? header.linkname : null);
  let path = placed.path;
  if (path === '') return null;
  const whiteout = readWhiteout(path);
  if (whiteout) {
    if (whiteout.kind === 'aufs-meta') return null;
    kind = whiteout.kind;
    path = whiteout.path;
  }
  let link: string | null = null;
  if (kind === EntryKind.symlink) link = header.linkname;
  else if (kind === EntryKind.hardlink) {
    link = normalizeEntryPath(header.linkname, `${entryWhere()} (hard link target)`);
    if (link === '') throw new FathomError(`${entryWhere()}: hard link to the root directory`);
  }
  const isContent = kind === EntryKind.file;
  const size = isContent ? header.size : 0;
  const i = builder.add({
    path,
    kind,
    size,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    mtime: header.mtime,
    offset: contentOffset,
    link,
    device: kind === EntryKind.char || kind === EntryKind.block ? `${header.devmajor},${header.devminor}` : null,
    through: placed.through,
  });
  if (!isContent || size === 0 || digests === 'none') return null;
  return size <= HEAD_BYTES ? smallFileSink(builder, i, size) : bigFileSink(builder, i, size, digests === 'whole');
}

/** A small file's digest is of all of it. */
function smallFileSink(builder: LayerIndexBuilder, i: number, size: number): (chunk: Buffer) => void {
  let hash: Hash | null = null;
  let left = size;
  return (chunk) => {
    // Most files arrive whole in one chunk: hash them in one call, without a Hash object.
    if (hash === null && chunk.length === size) {
      builder.setHash(i, hashOnce('sha256', chunk, 'buffer') as unknown as Buffer);
      left = 0;
      return;
    }
    hash ??= createHash('sha256');
    hash.update(chunk);
    left -= chunk.length;
    if (left === 0) builder.setHash(i, hash.digest());
  };
}

/** A big file: the digest of its first HEAD_BYTES always, of the whole only when asked for. */
function bigFileSink(builder: LayerIndexBuilder, i: number, size: number, whole: boolean): (chunk: Buffer) => void {
  const head = createHash('sha256');
  let headLeft = HEAD_BYTES;
  const all = whole ? createHash('sha256') : null;
  let left = size;
  return (chunk) => {
    if (headLeft > 0) {
      const part = chunk.length <= headLeft ? chunk : chunk.subarray(0, headLeft);
      head.update(part);
      headLeft -= part.length;
      if (headLeft === 0) builder.setHash(i, head.digest());
    }
    if (!all) return;
    all.update(chunk);
    left -= chunk.length;
    if (left === 0) builder.setFullDigest(i, all.digest());
  };
}
