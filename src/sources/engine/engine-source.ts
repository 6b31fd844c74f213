import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { FathomError } from '../../errors.js';
import type { ArchiveFiles } from '../archive/archive-files.js';
import { DOCKER_LAYER_TAR, resolveDockerSave } from '../archive/docker-archive.js';
import { resolveOciLayout } from '../archive/oci-layout.js';
import type { ImageSource, IngestProgress, ResolveOptions, ResolvedImage } from '../types.js';
import { normalizeRef } from '../verify.js';
import type { ImageRecord, LayerStore } from '../../../store/store.js';
import { assembleLayerTar } from '../../layer/tar-split.js';
import { TarStreamParser } from '../../tar/stream-parser.js';
import { EngineStoreUnreadable, readEngineStore, type EngineStoreImage } from './engine-store.js';
import { connect, explainConnectionError, isConnectionError, type Engine, type EngineKind } from './connection.js';
import { answerTo, imageInspectAnswer } from './engine-answers.js';

export interface EngineSourceOptions {
  host?: string;
  /** For a bare reference that is also no file: what to say when no engine answers either. */
  fallbackMessage?: string;
}

/**
 * Finds the end-of-archive marker of a tar arriving in chunks (headers read, contents counted past). A
 * stream it can't follow is simply read to its end: the archive's own reader judges it.
 */
class ArchiveEnd {
  private readonly parser: TarStreamParser;
  private following = true;

  constructor(label: string) {
    this.parser = new TarStreamParser(() => null, label);
  }

  /** The chunk starting at stream offset `at`: how much of it is the archive's, where the marker ends in it; else null. */
  feed(chunk: Buffer, at: number): number | null {
    if (!this.following) return null;
    try {
      this.parser.push(chunk);
    } catch {
      this.following = false;
      return null;
    }
    const end = this.parser.endOffset;
    if (end === null) return null;
    this.following = false;
    return end - at;
  }
}

/** Metadata files of an export, held in memory; layer blobs went straight to the store. */
class ExportMetadata implements ArchiveFiles {
  readonly files = new Map<string, Buffer>();
  readonly sizes = new Map<string, number>();
  /** Symlinked members (docker save links a repeated layer to its first copy). */
  readonly links = new Map<string, string>();
  constructor(readonly label: string) {}
  has(name: string): boolean {
    return this.sizes.has(name);
  }
  size(name: string): number {
    const target = this.links.get(name);
    if (target !== undefined) return this.size(target);
    const s = this.sizes.get(name);
    if (s === undefined) throw new FathomError(`${this.label}: "${name}" is missing from the export`);
    return s;
  }
  read(name: string): Buffer {
    const b = this.files.get(name);
    if (!b) throw new FathomError(`${this.label}: "${name}" is missing from the export`);
    return b;
  }
  // eslint-disable-next-line require-yield
  async *stream(name: string): AsyncIterable<Buffer> {
    throw new FathomError(`${this.label}: internal: layer ${name} should already be in the store`);
  }
}

const METADATA_LIMIT = 64 << 20;
const PROGRESS_EVERY_BYTES = 4 << 20;

function cleanName(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '');
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) void _;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Streams `docker save` of one image from the engine into the store: each layer blob goes through the
 * store's ingest as it arrives (no temp file, no buffering); layers already stored are skipped where the
 * export names them by digest (Docker 25+), and hashed then dropped where it doesn't (older engines).
 */
async function exportIntoStore(engine: Engine, label: string, imageId: string, diffIds: string[], store: LayerStore, totalBytes: number, onProgress?: (p: IngestProgress) => void): Promise<ExportMetadata> {
  const expected = new Set(diffIds);
  const meta = new ExportMetadata(label);
  const progress: IngestProgress = { layersDone: 0, layersTotal: diffIds.length, bytesDone: 0, bytesTotal: totalBytes, waitingFor: `the ${engine.endpoint.kind} engine's export` };
  let raw: NodeJS.ReadableStream;
  // An engine may prepare the whole export before it answers at all (Docker 20.10 writes it to disk first).
  onProgress?.({ ...progress });
  try {
    raw = (await engine.docker.getImage(imageId).get()) as NodeJS.ReadableStream;
  } catch (e) {
    throw explainConnectionError(e, engine.endpoint);
  }
  const extract = tar.extract();
  const input = raw as unknown as Readable;
  input.on('error', (e) => extract.destroy(e));
  const ending = new ArchiveEnd(label);
  let archiveEnded = false;
  const endArchive = (last: Buffer | undefined) => {
    if (archiveEnded) return;
    archiveEnded = true;
    extract.end(last);
  };
  // Progress is the bytes received from the engine, from the first one: an engine may spend seconds
  // preparing its export, then send it fast, and a user should see it move as soon as anything does.
  let reported = 0;
  let firstByteAt = 0;
  input.on('data', (chunk: Buffer) => {
    const first = progress.bytesDone === 0;
    const at = progress.bytesDone;
    progress.bytesDone += chunk.length;
    // The engine's size of an image is its files' bytes; the export has tar headers and JSON besides.
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    if (first) firstByteAt = Date.now();
    // The rate is the stream's own, not spread over the engine's preparation (~6 s for 1 GB here).
    progress.flowingSeconds = (Date.now() - firstByteAt) / 1000;
    delete progress.waitingFor;
    // The archive is read to its end-of-archive marker and no further (as Go's archive/tar, which
    // `docker load` uses, reads one): Docker 20.10 ends its answer ~0.5 s after the marker, once it has
    // removed its own copy of the export, and what comes between is padding.
    const upTo = ending.feed(chunk, at);
    if (upTo === null) {
      if (!extract.write(chunk)) {
        input.pause();
        extract.once('drain', () => input.resume());
      }
    } else {
      endArchive(chunk.subarray(0, upTo));
      input.removeAllListeners('data');
      // Nothing more is wanted: a broken connection now is not the archive's failure.
      input.removeAllListeners('error');
      input.on('error', () => {});
      input.destroy();
    }
    if (!first && progress.bytesDone - reported < PROGRESS_EVERY_BYTES) return;
    reported = progress.bytesDone;
    onProgress?.({ ...progress });
  });
  input.on('end', () => endArchive(undefined));
  const indexing: Promise<void>[] = [];
  try {
    for await (const entry of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
      const header = entry.header;
      const name = cleanName(header.name);
      meta.sizes.set(name, header.size ?? 0);
      // Docker 25+ names layers by digest (blobs/sha256/HEX), podman by diff ID (HEX.tar at the root),
      // older Docker by v1 ID (V1ID/layer.tar): only the last must be hashed to be known.
      const blobHex = /^(?:blobs\/sha256\/([0-9a-f]{64})|([0-9a-f]{64})\.tar)$/.exec(name)?.slice(1).find(Boolean);
      const isLegacyLayer = /(^|\/)layer\.tar$/.test(name);
      if (header.type === 'symlink' && header.linkname) {
        const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
        const target = `${dir}/${header.linkname}`.split('/').reduce<string[]>((acc, part) => (part === '..' ? acc.slice(0, -1) : part && part !== '.' ? [...acc, part] : acc), []).join('/');
        meta.links.set(name, target);
      }
      if (header.type !== 'file') {
        await drain(entry as unknown as Readable);
        continue;
      }
      if ((blobHex && expected.has(`sha256:${blobHex}`)) || isLegacyLayer) {
        const known = blobHex ? `sha256:${blobHex}` : null;
        if (known && store.hasLayer(known)) {
          await drain(entry as unknown as Readable);
          progress.layersDone++;
          onProgress?.({ ...progress });
        } else {
          // Spooled at the stream's pace, indexed (on a worker when big) while the next layer arrives.
          const spooled = await store.spoolLayer({ diffId: known, accept: (d) => expected.has(d), blobDigest: known, where: `${label}: ${name}`, open: async () => entry as AsyncIterable<Buffer> });
          const indexed = store.ingestSpooled(spooled).then(() => {
            progress.layersDone++;
            onProgress?.({ ...progress });
          });
          indexed.catch(() => {}); // awaited below, after the stream: not an unhandled rejection meanwhile
          indexing.push(indexed);
        }
        continue;
      }
      if ((header.size ?? 0) <= METADATA_LIMIT) meta.files.set(name, await collect(entry as unknown as Readable));
      else await drain(entry as unknown as Readable);
    }
  } catch (e) {
    await Promise.allSettled(indexing);
    if (isConnectionError(e)) throw explainConnectionError(e, engine.endpoint);
    throw e;
  }
  const failed = (await Promise.allSettled(indexing)).find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return meta;
}

function fromRecord(record: ImageRecord, source: string, repoTags: string[]): ResolvedImage {
  return {
    source,
    engineRead: { via: 'none' },
    id: record.id,
    config: record.config,
    ...(record.configJson !== undefined && { configJson: record.configJson }),
    repoTags: repoTags.length ? repoTags : record.repoTags,
    manifestDigest: record.manifestDigest,
    layers: record.layers.map((l, i) => ({
      diffId: l.diffId,
      digest: l.digest,
      mediaType: l.mediaType,
      compressedBytes: l.compressedBytes,
      blob: {
        diffId: l.diffId,
        blobDigest: null,
        where: `${source}: layer ${i}`,
        open: async () => {
          throw new FathomError(`${source}: layer ${i} (${l.diffId}) vanished from the store while opening`);
        },
      },
    })),
  };
}

/**
 * An image read from the engine's own layer store: each layer's tar is put back together from its
 * tar-split record and its directory as the store ingests it, so its diff ID is checked as any layer's.
 */
export function fromEngineStore(found: EngineStoreImage, source: string, id: string, repoTags: string[]): ResolvedImage {
  return {
    source,
    id,
    config: found.config,
    ...(found.configJson !== undefined && { configJson: found.configJson }),
    repoTags,
    manifestDigest: null,
    engineRead: { via: 'store', from: found.label },
    layers: found.layers.map((l, n) => ({
      diffId: l.diffId,
      // The blob is the layer tar put back together: named by its own digest, the diff ID.
      digest: l.diffId,
      mediaType: DOCKER_LAYER_TAR,
      compressedBytes: null,
      blob: {
        diffId: l.diffId,
        blobDigest: null,
        where: `${source}: layer ${n} (${found.label})`,
        open: async () => assembleLayerTar(l, `${source}: layer ${n}`),
        engineLayer: l,
      },
    })),
  };
}

/** Images from a Docker-compatible engine (docker://, podman://), through the store. */
export function engineSource(kind: EngineKind, ref: string, opts: EngineSourceOptions = {}): ImageSource {
  const spec = `${kind}://${ref}`;
  return {
    spec,
    async resolve(options: ResolveOptions): Promise<ResolvedImage> {
      const engine = connect(kind, opts.host);
      let answer: unknown;
      try {
        answer = await engine.docker.getImage(ref).inspect();
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        if (status === 404) {
          throw new FathomError(opts.fallbackMessage ? `${opts.fallbackMessage}, and the ${kind} engine has no image ${ref}` : `${spec}: no such image in the ${kind} engine at ${engine.endpoint.url}`);
        }
        const explained = explainConnectionError(e, engine.endpoint);
        throw new FathomError(opts.fallbackMessage ? `${opts.fallbackMessage} (and ${explained.message})` : explained.message);
      }
      const info = imageInspectAnswer(answer, answerTo(engine, `GET /images/${ref}/json`));
      const { id, diffIds } = info;
      const repoTags = info.repoTags.map(normalizeRef);
      const stored = options.store.getImage(id);
      if (stored && diffIds.every((d) => options.store.hasLayer(d))) {
        // Everything is here already: nothing to read from the engine.
        return fromRecord(stored, spec, repoTags);
      }
      let why: string | null = null;
      if (options.engineRead !== 'export') {
        try {
          return fromEngineStore(await readEngineStore(engine, kind, id), spec, id, repoTags);
        } catch (e) {
          if (!(e instanceof EngineStoreUnreadable)) throw e;
          if (options.engineRead === 'store') throw new FathomError(`${spec}: the ${kind} engine's layer store can't be read here: ${e.message}`);
          why = `the engine's layer store can't be read here: ${e.message}`;
        }
      }
      const label = `${spec} (export from ${engine.endpoint.url})`;
      const files = await exportIntoStore(engine, label, id, diffIds, options.store, info.sizeBytes, options.onProgress);
      const resolve = files.has('manifest.json') ? resolveDockerSave : resolveOciLayout;
      const resolved = resolve(files, spec, { ...options, tag: undefined });
      if (resolved.id !== id) throw new FathomError(`${label}: the export holds image ${resolved.id}, not ${id}`);
      return { ...resolved, repoTags: repoTags.length ? repoTags : resolved.repoTags, engineRead: { via: 'export', why } };
    },
  };
}
