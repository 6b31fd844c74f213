import { asStoreError, makeDirs, storeWrite } from './store-errors.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FathomError } from '../src/errors.js';
import type { Compression } from '../src/layer/compression.js';
import { indexLayerStream, type IndexedLayer } from '../src/layer/index-layer.js';
import type { ScannedLayer } from '../src/layer/scanned-layout.js';
import { decodeIndex, encodeIndex, openStoredIndex } from './index-codec.js';
import { WORKER_MIN_BYTES, indexWorkers, type IndexJob } from './index-workers.js';
import { writeAll } from './write-all.js';
import { SpoolFile } from './spool-file.js';
import { digestHex, seal, unseal } from './sealed.js';
import type { LayerIndex } from './layer-index.js';
import { assembleLayerTar, readLayerFileAt, type TarSplitLayer } from '../src/layer/tar-split.js';

/**
 * Where a layer's blob bytes are: copied into the store, left in the local file they came from, or in the
 * engine's own layer store (its tar-split record and its directory: the tar is put back together on demand).
 */
export type StoredBlob =
  | { kind: 'copy' }
  | { kind: 'ref'; path: string; offset: number; size: number; fileBytes: number; mtimeMs: number }
  | ({ kind: 'engine' } & TarSplitLayer);

export interface StoredLayerMeta {
  diffId: string;
  blob: StoredBlob;
  blobDigest: string;
  compression: Compression;
  blobBytes: number;
  tarBytes: number;
  entries: number;
  storedAt: string;
}

export interface StoredLayerRef {
  diffId: string;
  /** The blob digest the source named (for docker-save archives: the diff ID). */
  digest: string;
  mediaType: string;
  compressedBytes: number;
}

/** An image as the store remembers it: enough to reopen it with no source at hand. */
export interface ImageRecord {
  /** The config digest, "sha256:…" (what `docker images` calls the image ID). */
  id: string;
  repoTags: string[];
  manifestDigest: string | null;
  /** Every source it was opened from ("docker-archive:///x.tar", "docker://app:1"). */
  sources: string[];
  /** The image config JSON exactly as the source held it (verified by `id`). */
  config: ImageConfigJson;
  /** The config's bytes as text, where the source gave them: checked against `id` whenever the record is read. */
  configJson?: string;
  layers: StoredLayerRef[];
  storedAt: string;
  /** Headline numbers, kept once computed so image lists can show them without opening the image. */
  analysis?: { sizeBytes: number; efficiencyScore: number; wastedBytes: number };
}

/** The parts of the OCI/Docker image config fathom reads. */
export interface ImageConfigJson {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
  } | null;
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }[];
  rootfs?: { type?: string; diff_ids?: string[] };
}

/** What is known of a blob that arrives as a stream pushed in: its bytes come through a LayerSpool. */
export type SpoolSource = Omit<LayerBlobSource, 'open' | 'location'>;

/** A blob being written to the store's temporary space as it arrives (see LayerStore.openSpool). */
export interface LayerSpool {
  /** Takes a copy of the bytes; false when the disk has fallen behind (wait for `drained`). */
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
  /**
   * All of it has arrived: written out, ready for `ingestSpooled`. `indexed` is its index where it was
   * indexed as it arrived (see PlainLayerIndexer); else `ingestSpooled` reads the spool back to index it.
   */
  end(indexed?: IndexedLayer): Promise<SpooledLayer>;
  /** It will not be finished: what was written is removed. */
  abort(): Promise<void>;
}

/** A blob written to the store's temporary space, not yet indexed (see LayerStore.openSpool). */
export interface SpooledLayer {
  source: SpoolSource;
  temp: string;
  size: number;
  /** Indexed already, from the bytes as they were spooled: its digests are checked as any layer's. */
  indexed?: IndexedLayer;
}

export interface LayerBlobSource {
  /** The diff ID the image config names; null when only the bytes will tell (then `accept` must). */
  diffId: string | null;
  /** For a layer of unknown diff ID: which computed diff IDs are acceptable. */
  accept?: (diffId: string) => boolean;
  /** Digest the bytes must have as received; null where the source names none. */
  blobDigest: string | null;
  where: string;
  open(): Promise<AsyncIterable<Buffer> | Iterable<Buffer>>;
  /** For blobs in local files: where they are, so the store can refer to them rather than copy them. */
  location?: () => { path: string; offset: number; size: number };
  /** For layers read from an engine's own layer store: where, so the store can refer to them; `bytes` is about how big. */
  engineLayer?: TarSplitLayer & {
    bytes: number;
    /** How big its tar-split record is: about how many files it holds (see workerWeight). */
    recordBytes?: number;
  };
  /** For streamed blobs (downloads): how big the source says it is, so a big one is indexed on a worker thread. */
  sizeHint?: number;
  /**
   * For a layer the source is already putting into the store (an engine's export, indexed as it
   * arrived): settles once it is there, or fails as its reading failed. Nothing is read for it again.
   */
  stored?: Promise<unknown>;
  /**
   * For a plain layer in a local file: its header scan (made now, or already made for a first look), so a
   * worker only verifies it against the scan instead of parsing it again (see scanned-layout.ts). Null
   * where it can't be scanned (compressed).
   */
  scan?: () => Promise<ScannedLayer | null>;
}

/** Layers committed less than this long ago are never collected: an ingest may not have written its image record yet. */
const GC_GRACE_MS = 10 * 60 * 1000;

function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new FathomError(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return m[1];
}

/**
 * What a layer costs a worker, in bytes of hashing: its bytes, and for a layer put back together from an
 * engine's directory, each file's open, read and close (~24 µs, what ~40 KB of SHA-256 costs here). The
 * files are counted from the tar-split record, ~45 gzip'd bytes a file. By bytes alone, the ~1 GB bench
 * image's 25k-file base layer and its 400 MB one went to the same worker, which finished ~0.3 s after the other.
 */
function workerWeight(bytes: number, engineLayer: LayerBlobSource['engineLayer'] | null): number {
  const files = (engineLayer?.recordBytes ?? 0) / RECORD_BYTES_PER_FILE;
  return bytes + files * FILE_COST_BYTES;
}
const RECORD_BYTES_PER_FILE = 45;
const FILE_COST_BYTES = 40 << 10;

export function defaultStoreRoot(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'fathom');
}

/**
 * A blob read and indexed, and its index as the store writes it when a worker already encoded it (with
 * the diff ID it computed, which must be the layer's): encoding it again here cost a 505k-entry first
 * open ~0.3 s of the main thread, which is the one stacking the layers.
 */
type IndexedBlob = IndexedLayer & { encoded?: Buffer };

/**
 * The local layer store. Layers are kept once per diff ID, whatever image or source brought them.
 * Every write lands in tmp/ first and is renamed into place whole, so a killed process or a second
 * fathom at the same time never leaves a half-written layer where readers look.
 */
export class LayerStore {
  private readonly indexCache = new Map<string, LayerIndex>();

  /**
   * @param copyBlobs keep a copy of every blob even when it sits in a local archive (the default keeps a
   *   verified reference instead: copying a multi-gigabyte archive would double the cold open's cost).
   */
  constructor(
    readonly root: string,
    private readonly copyBlobs = false,
  ) {}

  private get layersDir(): string {
    return path.join(this.root, 'layers', 'sha256');
  }
  private get imagesDir(): string {
    return path.join(this.root, 'images');
  }
  private get figuresDir(): string {
    return path.join(this.root, 'figures');
  }
  private get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }

  layerDir(diffId: string): string {
    return path.join(this.layersDir, hexOf(diffId));
  }

  /**
   * Whether the store holds this layer whole and sound: its meta and its index's header checked. A layer
   * that fails (damaged, or written by an older fathom) counts as absent, so an open reads it again.
   */
  hasLayer(diffId: string): boolean {
    if (!fs.existsSync(path.join(this.layerDir(diffId), 'meta.json'))) return false;
    try {
      const meta = this.readLayerMeta(diffId);
      this.loadIndex(diffId);
      // A referenced archive that changed since it was read (edited in place, or only touched): read again.
      // One that is gone leaves the layer as it was (its index serves; its bytes say they are gone).
      if (meta.blob.kind === 'ref') {
        const st = fs.statSync(meta.blob.path, { throwIfNoEntry: false });
        if (st && (st.size !== meta.blob.fileBytes || st.mtimeMs !== meta.blob.mtimeMs)) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  private makeTemp(): string {
    return storeWrite(this.root, 'a temporary directory', () => {
      makeDirs(this.tmpDir);
      removeOwnTempsAtExit(this.tmpDir);
      const dir = path.join(this.tmpDir, `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}`);
      fs.mkdirSync(dir);
      return dir;
    });
  }

  /**
   * Opens a temporary file in the store for a streamed blob, written as fast as it arrives (on the thread
   * pool, see spool-file.ts) and hashing nothing: a source whose layers come one after another in one
   * stream (an engine's export) is read at the stream's pace while earlier layers are still being indexed.
   * `ingestSpooled` then indexes, verifies and commits what `end` gives.
   */
  openSpool(source: SpoolSource): LayerSpool {
    const temp = this.makeTemp();
    const what = `layer ${source.diffId ?? '(of unknown diff ID)'}`;
    let file: SpoolFile;
    try {
      file = new SpoolFile(path.join(temp, 'blob'));
    } catch (e) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw asStoreError(e, this.root, what);
    }
    const failed = (e: unknown) => asStoreError(e, this.root, what);
    return {
      write: (chunk) => {
        try {
          return file.write(chunk);
        } catch (e) {
          throw failed(e);
        }
      },
      drained: () => file.drained(),
      end: async (indexed) => {
        try {
          return { source, temp, size: await file.end(), ...(indexed && { indexed }) };
        } catch (e) {
          fs.rmSync(temp, { recursive: true, force: true });
          throw failed(e);
        }
      },
      abort: async () => {
        await file.abort();
        fs.rmSync(temp, { recursive: true, force: true });
      },
    };
  }

  /**
   * Indexes (unless it was indexed as it arrived) and commits a spooled blob, on a worker when it is big;
   * the spool becomes the stored copy.
   */
  ingestSpooled(spooled: SpooledLayer, onProgress?: (bytes: number) => void): Promise<StoredLayerMeta> {
    const { source, temp, size } = spooled;
    const file = path.join(temp, 'blob');
    // Unless it was indexed as it arrived, read back from the spool (on a worker or here): the source's own stream is spent.
    return this.ingestLayer({ ...source, open: async () => fs.createReadStream(file, { highWaterMark: 1 << 20 }), location: () => ({ path: file, offset: 0, size }) }, onProgress, spooled);
  }

  /** Reads a layer blob once, verifies both digests, and commits blob + index atomically. */
  async ingestLayer(source: LayerBlobSource, onProgress?: (bytes: number) => void, spooled?: Pick<SpooledLayer, 'temp' | 'indexed'>): Promise<StoredLayerMeta> {
    const spooledIn = spooled?.temp;
    const temp = spooledIn ?? this.makeTemp();
    try {
      const location = source.location?.() ?? null;
      const engineLayer = source.engineLayer ?? null;
      // A spooled blob is already the store's copy (in `temp`): read in place, kept as a copy.
      const keepRef = !spooledIn && !this.copyBlobs && (location !== null || engineLayer !== null);
      const indexed: IndexedBlob = spooled?.indexed ?? (await this.indexBlob(source, location, keepRef || spooledIn ? null : path.join(temp, 'blob'), onProgress));
      let blob: StoredBlob = { kind: 'copy' };
      if (keepRef && engineLayer) {
        blob = { kind: 'engine', tarSplit: engineLayer.tarSplit, diffDir: engineLayer.diffDir };
      } else if (keepRef && location) {
        const st = fs.statSync(location.path);
        blob = { kind: 'ref', ...location, fileBytes: st.size, mtimeMs: st.mtimeMs };
      }
      if (source.blobDigest && indexed.blobDigest !== source.blobDigest) {
        throw new FathomError(`${source.where}: digest mismatch: the blob should be ${source.blobDigest} but is ${indexed.blobDigest} (corrupt or altered)`);
      }
      if (source.diffId !== null && indexed.diffId !== source.diffId) {
        throw new FathomError(`${source.where}: diff ID mismatch: the image config says ${source.diffId} but the uncompressed layer is ${indexed.diffId} (corrupt or altered)`);
      }
      if (source.diffId === null && !source.accept?.(indexed.diffId)) {
        throw new FathomError(`${source.where}: layer ${indexed.diffId} is not one of the image's diff IDs`);
      }
      const finalDir = this.layerDir(indexed.diffId);
      const meta: StoredLayerMeta = {
        diffId: indexed.diffId,
        blob,
        blobDigest: indexed.blobDigest,
        compression: indexed.compression,
        blobBytes: indexed.blobBytes,
        tarBytes: indexed.index.stats.tarBytes,
        entries: indexed.index.count,
        storedAt: new Date().toISOString(),
      };
      writeWhole(path.join(temp, 'index.bin'), indexed.encoded ?? encodeIndex(indexed.index, indexed.diffId));
      // meta.json is written last: its presence is what marks a layer as complete.
      writeWhole(path.join(temp, 'meta.json'), seal(Buffer.from(JSON.stringify(meta, null, 1))));
      makeDirs(path.dirname(finalDir));
      try {
        fs.renameSync(temp, finalDir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
        if (this.hasLayer(indexed.diffId)) {
          // Another process committed the same layer first: same digest, same bytes; keep theirs.
          fs.rmSync(temp, { recursive: true, force: true });
        } else {
          // What is there is damaged (or an older fathom's): moved aside whole, then ours goes in.
          this.indexCache.delete(indexed.diffId);
          const doomed = path.join(this.makeTemp(), 'layer');
          fs.renameSync(finalDir, doomed);
          fs.renameSync(temp, finalDir);
          fs.rmSync(path.dirname(doomed), { recursive: true, force: true });
        }
      }
      this.indexCache.set(indexed.diffId, this.readBack(indexed.diffId, indexed.index));
      return meta;
    } catch (e) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw asStoreError(e, this.root, `layer ${source.diffId ?? '(of unknown diff ID)'}`);
    }
  }

  /**
   * Reads, hashes and indexes a blob, copying it to `copyTo` when set. A big blob in a local file is read
   * by a worker thread, so two layers are read at once on two cores; anything else is read here.
   */
  private async indexBlob(
    source: LayerBlobSource,
    location: { path: string; offset: number; size: number } | null,
    copyTo: string | null,
    onProgress?: (bytes: number) => void,
  ): Promise<IndexedBlob> {
    const engineLayer = source.engineLayer ?? null;
    const bytes = location?.size ?? engineLayer?.bytes ?? source.sizeHint ?? 0;
    const workers = bytes >= WORKER_MIN_BYTES ? indexWorkers() : null;
    const job: IndexJob['read'] | null = location ? { kind: 'range', ...location } : engineLayer ? { kind: 'engine', tarSplit: engineLayer.tarSplit, diffDir: engineLayer.diffDir } : source.sizeHint !== undefined ? { kind: 'chunks' } : null;
    const scanned = job?.kind === 'range' && workers ? ((await source.scan?.()) ?? null) : null;
    if (job && workers && scanned?.layout) {
      const done = await workers.run({ read: job, where: source.where, copyTo, scanned: scanned.layout }, bytes, onProgress);
      // The worker hashed what it read outside the data regions too: the same bytes the scan parsed, or the
      // file changed in between, and the index would not be the layer's.
      if (done.verified?.skeleton !== scanned.layout.skeleton) throw new FathomError(`${source.where}: the layer changed while it was being read (its tar headers are not the ones it was opened with); open it again`);
      scanned.index.fillHeads(Buffer.from(done.verified.heads.buffer, done.verified.heads.byteOffset, done.verified.heads.byteLength));
      return { index: scanned.index, compression: 'none', blobDigest: done.blobDigest, blobBytes: done.blobBytes, diffId: done.diffId };
    }
    if (job && workers) {
      // A download's bytes are read here and handed over as the worker asks: inflating, hashing and
      // indexing happen on the worker, two layers at once on two cores.
      const chunks = job.kind === 'chunks' ? await source.open() : undefined;
      const done = await workers.run({ read: job, where: source.where, copyTo }, workerWeight(bytes, engineLayer), onProgress, chunks);
      const { index, ...digests } = done;
      if (!index) throw new Error('index worker: no index in its answer');
      const encoded = Buffer.from(index.buffer, index.byteOffset, index.byteLength);
      return { ...digests, index: decodeIndex(encoded, source.where), encoded };
    }
    const blobFd = copyTo === null ? null : fs.openSync(copyTo, 'w');
    try {
      return await indexLayerStream(await source.open(), {
        where: source.where,
        fullDigests: 'compressed', // a plain layer is read back by offset when a comparison needs it
        onBlobChunk: blobFd === null ? undefined : (chunk) => writeAll(blobFd, chunk),
        onProgress,
      });
    } finally {
      if (blobFd !== null) fs.closeSync(blobFd);
    }
  }

  readLayerMeta(diffId: string): StoredLayerMeta {
    const file = path.join(this.layerDir(diffId), 'meta.json');
    const meta = readSealedJson<StoredLayerMeta>(file);
    if (meta === undefined) throw new FathomError(`layer ${diffId} is not in the store at ${this.root}`);
    // Checked as a whole, and as belonging to this layer: a meta.json copied from another layer is no answer.
    if (meta === null || meta.diffId !== diffId) throw new FathomError(`store layer ${diffId}: ${file} is damaged (its checksum does not match); run \`fathom store rm\` on the image and open it again`);
    return meta;
  }

  loadIndex(diffId: string): LayerIndex {
    const cached = this.indexCache.get(diffId);
    if (cached) return cached;
    const index = openStoredIndex(path.join(this.layerDir(diffId), 'index.bin'), `store layer ${diffId}`, diffId);
    if (!index) throw new FathomError(`layer ${diffId} is not in the store at ${this.root}`);
    this.indexCache.set(diffId, this.readBack(diffId, index));
    return index;
  }

  /** Lets an index take a big file's whole digest from its layer when a comparison needs it (plain layers). */
  private readBack(diffId: string, index: LayerIndex): LayerIndex {
    index.contentReader = (offset, length) => {
      const bytes = this.readPlainRange(diffId, offset, length);
      // Unreachable for a layer this fathom stored: a compressed one has every whole digest already.
      if (!bytes) throw new FathomError(`store layer ${diffId}: a whole-file digest is missing from a compressed layer's index; run \`fathom store rm\` on the image and open it again`);
      return bytes;
    };
    return index;
  }

  /** Reads a byte range of an uncompressed layer directly (null for compressed layers: stream those). */
  readPlainRange(diffId: string, offset: number, length: number): Buffer | null {
    const meta = this.readLayerMeta(diffId);
    if (meta.compression !== 'none') return null;
    if (meta.blob.kind === 'engine') return readLayerFileAt(meta.blob, offset, length, `layer ${diffId}`);
    const file = meta.blob.kind === 'copy' ? path.join(this.layerDir(diffId), 'blob') : meta.blob.path;
    const base = meta.blob.kind === 'copy' ? 0 : meta.blob.offset;
    if (meta.blob.kind === 'ref') archiveStillThere(diffId, meta.blob.path);
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(length);
      const got = fs.readSync(fd, buf, 0, length, base + offset);
      return buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Opens a layer's blob bytes wherever they are. A referenced archive must still be there; whether its
   * bytes are still the verified ones is judged file by file by whoever reads them (see checkedContent).
   */
  openBlob(diffId: string): { stream: AsyncIterable<Buffer>; compression: Compression } {
    const meta = this.readLayerMeta(diffId);
    if (meta.blob.kind === 'copy') {
      return { stream: fs.createReadStream(path.join(this.layerDir(diffId), 'blob'), { highWaterMark: 1 << 20 }), compression: meta.compression };
    }
    if (meta.blob.kind === 'engine') {
      // Chunks are copied: the assembler reuses its buffer, and a reader may hold on to one.
      const chunks = assembleLayerTar(meta.blob, `layer ${diffId}`);
      return { stream: (async function* () { for (const c of chunks) yield Buffer.from(c); })(), compression: 'none' };
    }
    const ref = meta.blob;
    archiveStillThere(diffId, ref.path);
    // An archive that changed since it was read is still read: each file's bytes are checked against its
    // content digest where they are used (view, extract), and the next open reads the layer again.
    const stream = ref.size === 0 ? (async function* () {})() : fs.createReadStream(ref.path, { start: ref.offset, end: ref.offset + ref.size - 1, highWaterMark: 1 << 20 });
    return { stream, compression: meta.compression };
  }

  private imageFile(id: string): string {
    return path.join(this.imagesDir, `${hexOf(id)}.json`);
  }

  private figuresFile(id: string): string {
    return path.join(this.figuresDir, `${hexOf(id)}.json`);
  }

  /** Saves or merges an image record (sources and tags accumulate). */
  saveImage(record: ImageRecord): ImageRecord {
    const existing = this.getImage(record.id);
    const merged: ImageRecord = existing
      ? {
          ...record,
          repoTags: [...new Set([...record.repoTags, ...existing.repoTags])],
          sources: [...new Set([...record.sources, ...existing.sources])],
          manifestDigest: record.manifestDigest ?? existing.manifestDigest,
          analysis: record.analysis ?? existing.analysis,
          // When it was first stored, as `store ls` says.
          storedAt: existing.storedAt,
        }
      : record;
    const bytes = Buffer.from(JSON.stringify(merged));
    // A reopen that learnt nothing new writes nothing: a read-only store still opens what it holds.
    if (existing && bytes.equals(Buffer.from(JSON.stringify(existing)))) return existing;
    this.replaceFile(this.imageFile(record.id), seal(bytes));
    return merged;
  }

  /**
   * Keeps what was computed from an image's layers (change counts, waste), so a reopen need not compute it
   * again. Opaque to the store; apart from the record, which image lists read whole.
   */
  saveFigures(id: string, figures: unknown): void {
    this.replaceFile(this.figuresFile(id), seal(Buffer.from(JSON.stringify(figures))));
  }

  /** Writes a whole file in tmp/ and renames it over `file`: readers see the old one or the new one, never half. */
  private replaceFile(file: string, data: Buffer): void {
    const temp = path.join(this.makeTemp(), path.basename(file));
    storeWrite(this.root, path.relative(this.root, file), () => {
      try {
        makeDirs(path.dirname(file));
        writeWhole(temp, data);
        fs.renameSync(temp, file);
      } finally {
        fs.rmSync(path.dirname(temp), { recursive: true, force: true });
      }
    });
  }

  hasFigures(id: string): boolean {
    return fs.existsSync(this.figuresFile(id));
  }

  /** The figures kept for an image; null when absent or damaged (then they are computed again). */
  loadFigures(id: string): unknown {
    return readSealedJson(this.figuresFile(id)) ?? null;
  }

  /**
   * An image record, checked: sealed, and its config the one its ID names. A damaged record is as good as
   * none (the next open from a source writes it anew; `store://` says the image is not there).
   */
  getImage(id: string): ImageRecord | null {
    const record = readSealedJson<ImageRecord>(this.imageFile(id));
    if (!record || record.id !== id) return null;
    if (record.configJson !== undefined && `sha256:${digestHex(Buffer.from(record.configJson))}` !== id) return null;
    return record.configJson !== undefined ? { ...record, config: JSON.parse(record.configJson) as ImageConfigJson } : record;
  }

  listImages(): ImageRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.imagesDir);
    } catch {
      return [];
    }
    const out: ImageRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const rec = this.getImage(`sha256:${name.slice(0, -5)}`);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => (b.storedAt > a.storedAt ? 1 : -1));
  }

  /** Images whose tag, ID or ID prefix matches `ref` ("app:1", "app" = "app:latest", "6d27", "sha256:6d27..."). */
  findImages(ref: string): ImageRecord[] {
    const wantTag = ref.includes(':') && !ref.startsWith('sha256:') ? ref : `${ref}:latest`;
    const idPrefix = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    return this.listImages().filter(
      (r) => r.repoTags.includes(ref) || r.repoTags.includes(wantTag) || (/^[0-9a-f]{4,64}$/.test(idPrefix) && hexOf(r.id).startsWith(idPrefix)),
    );
  }

  /** Deletes a layer no image record refers to (used to undo a failed open). */
  removeLayerIfUnused(diffId: string): void {
    if (this.listImages().some((r) => r.layers.some((l) => l.diffId === diffId))) return;
    this.indexCache.delete(diffId);
    // Rename first so readers never see a half-deleted layer.
    const doomed = path.join(this.makeTemp(), 'layer');
    try {
      fs.renameSync(this.layerDir(diffId), doomed);
    } catch {
      return;
    }
    fs.rmSync(path.dirname(doomed), { recursive: true, force: true });
  }

  removeImage(id: string): void {
    fs.rmSync(this.imageFile(id), { force: true });
    fs.rmSync(this.figuresFile(id), { force: true });
  }

  /** Removes layers no image record uses (older than the grace period) and abandoned temp dirs. */
  /**
   * Removes what no image uses. Layers stored in the last 10 minutes are kept unless `graceMs` is 0: an open
   * still under way (in this or another fathom) may be about to record them. What was kept is counted.
   */
  gc(now = Date.now(), graceMs = GC_GRACE_MS): { removedLayers: string[]; freedBytes: number; keptRecent: { layers: number; bytes: number } } {
    const used = new Set(this.listImages().flatMap((r) => r.layers.map((l) => hexOf(l.diffId))));
    const removedLayers: string[] = [];
    let freedBytes = 0;
    const keptRecent = { layers: 0, bytes: 0 };
    for (const hex of safeReaddir(this.layersDir)) {
      if (used.has(hex)) continue;
      const dir = path.join(this.layersDir, hex);
      const st = fs.statSync(dir);
      if (now - st.mtimeMs < graceMs) {
        keptRecent.layers++;
        keptRecent.bytes += dirBytes(dir);
        continue;
      }
      freedBytes += dirBytes(dir);
      fs.rmSync(dir, { recursive: true, force: true });
      removedLayers.push(`sha256:${hex}`);
    }
    // Figures of images no longer recorded.
    for (const name of safeReaddir(this.figuresDir)) {
      if (fs.existsSync(path.join(this.imagesDir, name))) continue;
      const file = path.join(this.figuresDir, name);
      freedBytes += fs.statSync(file).size;
      fs.rmSync(file, { force: true });
    }
    for (const name of safeReaddir(this.tmpDir)) {
      const dir = path.join(this.tmpDir, name);
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
      if (pid === process.pid) continue;
      freedBytes += dirBytes(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { removedLayers, freedBytes, keptRecent };
  }
}

/** A sealed JSON file: its value, null when damaged (or from before seals), undefined when absent. */
function readSealedJson<T>(file: string): T | null | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const body = unseal(bytes);
  if (body === null) return null;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * Writes a new file whole, with no fsync. What the store promises (a layer or record appears whole or not
 * at all, to a second process and after kill -9) comes from renaming into place, and what it trusts from
 * the checksum every file carries, checked when read: after a crash of the machine, a file that never
 * reached the disk reads as damaged and is read again from its source. An fsync here would buy nothing
 * for the blob beside it (never synced) yet on ext4 it makes the kernel write that blob out first: ~0.24 s
 * for a 1 GB spooled layer, at the end of the open, measured on this project's VM.
 */
function writeWhole(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/** The temporary spaces this process has written in (one per store it used). */
const tempSpaces = new Set<string>();

/**
 * What this process leaves in a store's temporary space is removed as it exits: an open given up half-way
 * (`q` while an export streams in, ^C, an error) would otherwise leave its spool, up to a layer's size,
 * until `fathom store gc`. Only this process's own entries (named by its PID); a process killed outright
 * leaves them to gc, which removes those of processes no longer alive.
 */
function removeOwnTempsAtExit(tmpDir: string): void {
  if (tempSpaces.size === 0) process.once('exit', removeOwnTemps);
  tempSpaces.add(tmpDir);
}

function removeOwnTemps(): void {
  const own = `${process.pid}-`;
  for (const tmpDir of tempSpaces) {
    for (const name of safeReaddir(tmpDir)) {
      if (!name.startsWith(own)) continue;
      try {
        fs.rmSync(path.join(tmpDir, name), { recursive: true, force: true });
      } catch {
        // the process is ending: what can't be removed now, gc removes
      }
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of safeReaddir(dir)) {
    const st = fs.lstatSync(path.join(dir, name));
    total += st.isDirectory() ? dirBytes(path.join(dir, name)) : st.size;
  }
  return total;
}

/** Whether process `pid` is running (one owned by another user counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A layer kept by reference to a local archive needs the archive to be where it was. */
function archiveStillThere(diffId: string, file: string): void {
  if (!fs.existsSync(file)) throw new FathomError(`layer ${diffId}: its archive ${file} is gone; open the image again from where it is now`);
}
