import { createHash } from 'node:crypto';
import { FathomError } from '../src/errors.js';
import { EntryKind } from '../src/model/entry.js';
import { widen } from '../src/columns.js';
import { nameByteLength } from '../src/tar/name-bytes.js';


/** Bytes of content digest kept per regular file: enough to tell contents apart, small enough for 100k entries. */
export const CONTENT_HASH_BYTES = 16;

/**
 * Every regular file's digest covers its first HEAD_BYTES (all of a small file). Two files are the same
 * content only if their sizes and these digests agree; for a file over HEAD_BYTES that is then settled by
 * the digest of the whole, taken when a comparison needs it. Hashing the rest of every big file as it is
 * read would double the CPU a first open spends on hashing (the layer's own digest covers every byte
 * once), for comparisons that almost never come: two big files of one size and one head are rare.
 * Compressed layers are the exception: reading one back means inflating it again, so their big files
 * get their whole digest in the one pass that reads them.
 */
export const HEAD_BYTES = 64 << 10;

/** Figures about a whole layer, computed once while it is read. */
export interface LayerStats {
  /** Uncompressed tar length in bytes. */
  tarBytes: number;
  /** What `docker history` shows: regular file bytes + symlink target lengths. */
  dockerSizeBytes: number;
  /** What dive calls the layer size: the sum of every tar header's size field. */
  tarContentBytes: number;
  entries: number;
  whiteouts: number;
  opaqueWhiteouts: number;
}

/** A layer index's columns: everything but the figures, the links and the devices. */
export interface IndexColumns {
  /** The paths, or how to decode them on first use (a first frame needs one layer's, not every layer's). */
  paths: string[] | (() => string[]);
  kinds: Uint8Array;
  sizes: Float64Array;
  modes: Uint16Array;
  uids: Uint32Array;
  gids: Uint32Array;
  mtimes: Float64Array;
  offsets: Float64Array;
  hashes: Buffer;
}

/** The columns that load on first use (paths apart: they decode on their own first use). */
const LAZY_COLUMNS = ['kinds', 'sizes', 'modes', 'uids', 'gids', 'mtimes', 'offsets', 'hashes'] as const;

/**
 * Every entry of one layer tar, in archive order, as columns: one typed array per field keeps a
 * 100k-entry layer to a few MB instead of 100k objects. A stored index's columns are read when one of
 * them is first used: an image opens on its figures, and its first frame needs one layer's columns.
 */
export class LayerIndex {
  declare readonly kinds: Uint8Array;
  declare readonly sizes: Float64Array;
  declare readonly modes: Uint16Array;
  declare readonly uids: Uint32Array;
  declare readonly gids: Uint32Array;
  declare readonly mtimes: Float64Array;
  /** Where each entry's content starts in the uncompressed tar. */
  declare readonly offsets: Float64Array;
  /** CONTENT_HASH_BYTES per entry, of its first HEAD_BYTES; all zero where the entry has no content. */
  declare readonly hashes: Buffer;
  private pathsOrDecoder: string[] | (() => string[]) | null = null;
  private loader: (() => IndexColumns) | null = null;

  constructor(
    readonly count: number,
    readonly stats: LayerStats,
    /** Symlink targets as stored; hard-link targets as clean relative paths. */
    readonly links: Map<number, string>,
    /** "major,minor" for char and block devices. */
    readonly devices: Map<number, string>,
    columns: IndexColumns | (() => IndexColumns),
    /** Entries written through a symlink this layer made ("/lnk" for `lnk/passwd`, placed at etc/passwd). */
    readonly writtenThrough: Map<number, string> = new Map(),
    /** Whole-content digests of files over HEAD_BYTES, where taken (CONTENT_HASH_BYTES each). */
    readonly fullDigests: Map<number, Buffer> = new Map(),
  ) {
    if (typeof columns === 'function') this.loader = columns;
    else this.keep(columns);
  }

  static {
    // Until the columns are read, each is a getter that reads them all in and then answers from the
    // instance's own properties, which from then on are plain fields (no getter on the hot paths).
    for (const name of LAZY_COLUMNS) {
      Object.defineProperty(LayerIndex.prototype, name, {
        configurable: true,
        get(this: LayerIndex) {
          this.load();
          return this[name];
        },
      });
    }
  }

  private load(): void {
    if (!this.loader) throw new Error('layer index: columns missing'); // unreachable: keep() defines them
    // A load that fails (a damaged file) fails the same way the next time it is asked for.
    this.keep(this.loader());
    this.loader = null;
  }

  /** Every instance gets the same own properties in the same order, whenever its columns arrive. */
  private keep(columns: IndexColumns): void {
    for (const name of LAZY_COLUMNS) Object.defineProperty(this, name, { value: columns[name], writable: true, enumerable: true, configurable: true });
    this.pathsOrDecoder = columns.paths;
  }

  /** Clean relative paths ("etc/passwd"); for whiteouts the hidden path, for opaque markers the directory. */
  get paths(): string[] {
    if (this.pathsOrDecoder === null) this.load();
    // Decoded once; the decoder, and with it the encoded bytes, is dropped.
    if (typeof this.pathsOrDecoder === 'function') this.pathsOrDecoder = this.pathsOrDecoder();
    return this.pathsOrDecoder!;
  }

  link(i: number): string | null {
    return this.links.get(i) ?? null;
  }

  /**
   * Reads a range of this layer's tar back (set by the store for a layer it can read by offset), so the
   * whole digest of a big file can be taken when a comparison first needs it.
   */
  contentReader: ((offset: number, length: number) => Buffer) | null = null;

  /**
   * Which entries' digest (of their first HEAD_BYTES) is in `hashes`: null when every one is (an index
   * made while reading the layer's bytes); set for an index made from its tar headers alone (a first
   * look while the layer is still being verified), whose digests are taken from contentReader on demand.
   */
  headKnown: Uint8Array | null = null;

  /** No content of this index's layer has been read yet: head digests come from contentReader on demand. */
  markDigestsPending(): void {
    this.headKnown = new Uint8Array(this.count);
  }

  /** Every entry's head digest at once, from a verifying pass over the layer (see scanned-layout.ts). */
  fillHeads(heads: Buffer): void {
    heads.copy(this.hashes, 0, 0, this.count * CONTENT_HASH_BYTES);
    this.headKnown = null;
  }

  /** Makes sure entry i's head digest is in `hashes` (see headKnown). */
  ensureHead(i: number): void {
    const known = this.headKnown;
    if (known === null || known[i] === 1) return;
    const size = this.sizes[i];
    if (size > 0) {
      if (!this.contentReader) throw new FathomError('a file\'s content cannot be compared: its layer cannot be read back');
      const bytes = this.contentReader(this.offsets[i], Math.min(size, HEAD_BYTES));
      createHash('sha256').update(bytes).digest().copy(this.hashes, i * CONTENT_HASH_BYTES, 0, CONTENT_HASH_BYTES);
    }
    known[i] = 1;
  }

  /** A small number from entry i's head digest: a bucket key for grouping contents. */
  headKey(i: number): number {
    this.ensureHead(i);
    return this.hashes.readUInt32LE(i * CONTENT_HASH_BYTES) >>> 1;
  }

  /** The digest of entry i's whole content (a file over HEAD_BYTES), taken now if it must be; null if it can't be. */
  fullDigest(i: number): Buffer | null {
    const known = this.fullDigests.get(i);
    if (known || !this.contentReader) return known ?? null;
    const size = this.sizes[i];
    const hash = createHash('sha256');
    const piece = 8 << 20;
    for (let done = 0; done < size; ) {
      const bytes = this.contentReader(this.offsets[i] + done, Math.min(piece, size - done));
      if (bytes.length === 0) throw new FathomError(`a layer ends inside a file it holds (${size} bytes at ${this.offsets[i]}): its source changed since it was read`);
      hash.update(bytes);
      done += bytes.length;
    }
    const digest = hash.digest().subarray(0, CONTENT_HASH_BYTES);
    this.fullDigests.set(i, digest);
    return digest;
  }

  sameContent(i: number, other: LayerIndex, j: number): boolean {
    const size = this.sizes[i];
    if (size !== other.sizes[j]) return false;
    if (size === 0) return true;
    this.ensureHead(i);
    other.ensureHead(j);
    // Byte by byte: for 16 bytes, Buffer#compare's argument checks cost more than the comparison.
    const a = this.hashes;
    const b = other.hashes;
    const at = i * CONTENT_HASH_BYTES;
    const bt = j * CONTENT_HASH_BYTES;
    for (let k = 0; k < CONTENT_HASH_BYTES; k++) if (a[at + k] !== b[bt + k]) return false;
    if (size <= HEAD_BYTES) return true;
    const whole = [this.fullDigest(i), other.fullDigest(j)];
    if (!whole[0] || !whole[1]) throw new FathomError('two files of the same size and the same first 64 KiB cannot be compared: the layer of one of them cannot be read back');
    return whole[0].equals(whole[1]);
  }
}

export interface IndexedEntry {
  path: string;
  kind: EntryKind;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  offset: number;
  link: string | null;
  device: string | null;
  /** The symlink the tar name went through, when the entry was placed at its real path (see LayerWritePaths). */
  through?: string | null;
}

/** Grows the columns as entries arrive from the tar parser. */
export class LayerIndexBuilder {
  private capacity = 256;
  private n = 0;
  private paths: string[] = [];
  private kinds = new Uint8Array(this.capacity);
  private sizes = new Float64Array(this.capacity);
  private modes = new Uint16Array(this.capacity);
  private uids = new Uint32Array(this.capacity);
  private gids = new Uint32Array(this.capacity);
  private mtimes = new Float64Array(this.capacity);
  private offsets = new Float64Array(this.capacity);
  private hashes = Buffer.alloc(this.capacity * CONTENT_HASH_BYTES);
  private links = new Map<number, string>();
  private devices = new Map<number, string>();
  private writtenThrough = new Map<number, string>();
  private fullDigests = new Map<number, Buffer>();
  private dockerSizeBytes = 0;
  private tarContentBytes = 0;
  private whiteouts = 0;
  private opaqueWhiteouts = 0;

  /** Adds an entry and returns its index (for setHash once its content has been read). */
  add(e: IndexedEntry): number {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.paths.push(e.path);
    this.kinds[i] = e.kind;
    this.sizes[i] = e.size;
    this.modes[i] = e.mode & 0o7777;
    this.uids[i] = e.uid;
    this.gids[i] = e.gid;
    this.mtimes[i] = e.mtime;
    this.offsets[i] = e.offset;
    if (e.link !== null) this.links.set(i, e.link);
    if (e.device !== null) this.devices.set(i, e.device);
    if (e.through) this.writtenThrough.set(i, e.through);
    this.tarContentBytes += e.size;
    if (e.kind === EntryKind.file) this.dockerSizeBytes += e.size;
    else if (e.kind === EntryKind.symlink && e.link !== null) this.dockerSizeBytes += nameByteLength(e.link);
    else if (e.kind === EntryKind.whiteout) this.whiteouts++;
    else if (e.kind === EntryKind.opaque) this.opaqueWhiteouts++;
    return i;
  }

  kindOf(i: number): EntryKind {
    return this.kinds[i] as EntryKind;
  }

  /** Entries added so far. */
  get size(): number {
    return this.n;
  }

  /** The digest of a big file's whole content (see HEAD_BYTES). */
  setFullDigest(i: number, digest: Buffer): void {
    this.fullDigests.set(i, Buffer.from(digest.subarray(0, CONTENT_HASH_BYTES)));
  }

  /** The digest of a file's first HEAD_BYTES (of all of it, for a small one). */
  setHash(i: number, digest: Buffer): void {
    // Byte by byte: for 16 bytes, Buffer#copy's argument checks cost more than the copy (once per file).
    const at = i * CONTENT_HASH_BYTES;
    for (let k = 0; k < CONTENT_HASH_BYTES; k++) this.hashes[at + k] = digest[k];
  }

  /** `digestsPending`: no content was read (see LayerIndex.headKnown). */
  build(tarBytes: number, opts: { digestsPending?: boolean } = {}): LayerIndex {
    const n = this.n;
    const index = new LayerIndex(
      n,
      {
        tarBytes,
        dockerSizeBytes: this.dockerSizeBytes,
        tarContentBytes: this.tarContentBytes,
        entries: n,
        whiteouts: this.whiteouts,
        opaqueWhiteouts: this.opaqueWhiteouts,
      },
      this.links,
      this.devices,
      {
        paths: this.paths,
        kinds: this.kinds.slice(0, n),
        sizes: this.sizes.slice(0, n),
        modes: this.modes.slice(0, n),
        uids: this.uids.slice(0, n),
        gids: this.gids.slice(0, n),
        mtimes: this.mtimes.slice(0, n),
        offsets: this.offsets.slice(0, n),
        hashes: Buffer.from(this.hashes.subarray(0, n * CONTENT_HASH_BYTES)),
      },
      this.writtenThrough,
      this.fullDigests,
    );
    if (opts.digestsPending) index.markDigestsPending();
    return index;
  }

  private grow(): void {
    this.capacity *= 2;
    this.kinds = widen(this.kinds, this.capacity);
    this.sizes = widen(this.sizes, this.capacity);
    this.modes = widen(this.modes, this.capacity);
    this.uids = widen(this.uids, this.capacity);
    this.gids = widen(this.gids, this.capacity);
    this.mtimes = widen(this.mtimes, this.capacity);
    this.offsets = widen(this.offsets, this.capacity);
    const hashes = Buffer.alloc(this.capacity * CONTENT_HASH_BYTES);
    this.hashes.copy(hashes);
    this.hashes = hashes;
  }
}
