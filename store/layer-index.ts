import { EntryKind } from '../src/model/entry.js';
import { widen } from '../src/columns.js';

/** Bytes of content digest kept per regular file: enough to tell contents apart, small enough for 100k entries. */
export const CONTENT_HASH_BYTES = 16;

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

/**
 * Every entry of one layer tar, in archive order, as columns: one typed array per field keeps a
 * 100k-entry layer to a few MB instead of 100k objects.
 */
export class LayerIndex {
  constructor(
    readonly count: number,
    /** The paths, or how to decode them on first use (a first frame needs one layer's, not every layer's). */
    private pathsOrDecoder: string[] | (() => string[]),
    readonly kinds: Uint8Array,
    readonly sizes: Float64Array,
    readonly modes: Uint16Array,
    readonly uids: Uint32Array,
    readonly gids: Uint32Array,
    readonly mtimes: Float64Array,
    /** Where each entry's content starts in the uncompressed tar. */
    readonly offsets: Float64Array,
    /** Symlink targets as stored; hard-link targets as clean relative paths. */
    readonly links: Map<number, string>,
    /** "major,minor" for char and block devices. */
    readonly devices: Map<number, string>,
    /** CONTENT_HASH_BYTES per entry; all zero where the entry has no content. */
    readonly hashes: Buffer,
    readonly stats: LayerStats,
  ) {}

  /** Clean relative paths ("etc/passwd"); for whiteouts the hidden path, for opaque markers the directory. */
  get paths(): string[] {
    // Decoded once; the decoder, and with it the encoded bytes, is dropped.
    if (typeof this.pathsOrDecoder === 'function') this.pathsOrDecoder = this.pathsOrDecoder();
    return this.pathsOrDecoder;
  }

  link(i: number): string | null {
    return this.links.get(i) ?? null;
  }

  sameContent(i: number, other: LayerIndex, j: number): boolean {
    if (this.sizes[i] !== other.sizes[j]) return false;
    if (this.sizes[i] === 0) return true;
    return this.hashes.compare(other.hashes, j * CONTENT_HASH_BYTES, (j + 1) * CONTENT_HASH_BYTES, i * CONTENT_HASH_BYTES, (i + 1) * CONTENT_HASH_BYTES) === 0;
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
    this.tarContentBytes += e.size;
    if (e.kind === EntryKind.file) this.dockerSizeBytes += e.size;
    else if (e.kind === EntryKind.symlink && e.link !== null) this.dockerSizeBytes += Buffer.byteLength(e.link);
    else if (e.kind === EntryKind.whiteout) this.whiteouts++;
    else if (e.kind === EntryKind.opaque) this.opaqueWhiteouts++;
    return i;
  }

  setHash(i: number, digest: Buffer): void {
    // Byte by byte: for 16 bytes, Buffer#copy's argument checks cost more than the copy (once per file).
    const at = i * CONTENT_HASH_BYTES;
    for (let k = 0; k < CONTENT_HASH_BYTES; k++) this.hashes[at + k] = digest[k];
  }

  build(tarBytes: number): LayerIndex {
    const n = this.n;
    return new LayerIndex(
      n,
      this.paths,
      this.kinds.slice(0, n),
      this.sizes.slice(0, n),
      this.modes.slice(0, n),
      this.uids.slice(0, n),
      this.gids.slice(0, n),
      this.mtimes.slice(0, n),
      this.offsets.slice(0, n),
      this.links,
      this.devices,
      Buffer.from(this.hashes.subarray(0, n * CONTENT_HASH_BYTES)),
      {
        tarBytes,
        dockerSizeBytes: this.dockerSizeBytes,
        tarContentBytes: this.tarContentBytes,
        entries: n,
        whiteouts: this.whiteouts,
        opaqueWhiteouts: this.opaqueWhiteouts,
      },
    );
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
