import { FathomError } from '../../errors.js';
import type { ArchiveFiles } from '../archive/archive-files.js';
import { DOCKER_LAYER_TAR, resolveDockerSave } from '../archive/docker-archive.js';
import { resolveOciLayout } from '../archive/oci-layout.js';
import type { ImageSource, IngestProgress, ResolveOptions, ResolvedImage } from '../types.js';
import { normalizeRef } from '../verify.js';
import type { ImageRecord, LayerSpool, LayerStore } from '../../../store/store.js';
import { assembleLayerTar } from '../../layer/tar-split.js';
import { PlainLayerIndexer } from '../../layer/index-layer.js';
import { TarStreamParser } from '../../tar/stream-parser.js';
import { EngineStoreUnreadable, readEngineStore, type EngineStoreImage } from './engine-store.js';
import { connect, explainConnectionError, type Engine, type EngineKind } from './connection.js';
import { streamGet } from './engine-stream.js';
import { answerTo, imageInspectAnswer } from './engine-answers.js';

export interface EngineSourceOptions {
  host?: string;
  /** For a bare reference that is also no file: what to say when no engine answers either. */
  fallbackMessage?: string;
}

/** Links followed from one member, at most: docker save links a repeated layer to its first copy, once. */
const MAX_LINK_HOPS = 16;

/** Metadata files of an export, held in memory; layer blobs went straight to the store. */
class ExportMetadata implements ArchiveFiles {
  readonly files = new Map<string, Buffer>();
  readonly sizes = new Map<string, number>();
  /** Symlinked members (docker save links a repeated layer to its first copy). */
  readonly links = new Map<string, string>();
  /** Layer members being indexed into the store (each gives the diff ID it stored), by name; and which of them the image's layers named. */
  readonly indexing = new Map<string, Promise<string>>();
  private readonly named = new Set<string>();
  constructor(readonly label: string) {}
  /** A member's name with its links followed, as many as the archive reader follows (archive-files.ts). */
  private target(name: string): string {
    let at = name;
    for (let hops = 0; this.links.has(at); hops++) {
      if (hops === MAX_LINK_HOPS) throw new FathomError(`${this.label}: ${JSON.stringify(name)} is a link that goes round or runs on (${MAX_LINK_HOPS} links followed)`);
      at = this.links.get(at)!;
    }
    return at;
  }
  storing(name: string): Promise<string> | undefined {
    const target = this.target(name);
    const pending = this.indexing.get(target);
    if (pending) this.named.add(target);
    return pending;
  }
  /** What is still being indexed that no layer of the image named: a layer the image does not have, whose failure must still be heard. */
  unnamed(): Promise<string>[] {
    return [...this.indexing].filter(([name]) => !this.named.has(name)).map(([, p]) => p);
  }
  has(name: string): boolean {
    return this.sizes.has(name);
  }
  size(name: string): number {
    const s = this.sizes.get(this.target(name));
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

/** Of an export's members other than its layers (manifests, configs: kilobytes), how much is kept in memory, in all. */
const METADATA_LIMIT = 64 << 20;
const PROGRESS_EVERY_BYTES = 4 << 20;

function cleanName(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '');
}

/**
 * Streams `docker save` of one image from the engine into the store: each layer blob is spooled into the
 * store and indexed as it arrives (a plain tar here, from the bytes in hand; anything else read back from
 * the spool, on a worker when big); layers already stored
 * are skipped where the export names them by digest (Docker 25+, podman), and spooled then checked where
 * it doesn't (older Docker). The archive is parsed once, as it arrives, from the one buffer the engine's
 * socket is read into (see engine-stream.ts): nothing is allocated per read but the copies kept.
 */
async function exportIntoStore(engine: Engine, label: string, imageId: string, diffIds: string[], store: LayerStore, totalBytes: number, onProgress?: (p: IngestProgress) => void): Promise<ExportMetadata> {
  const expected = new Set(diffIds);
  const meta = new ExportMetadata(label);
  const progress: IngestProgress = { layersDone: 0, layersTotal: diffIds.length, bytesDone: 0, bytesTotal: totalBytes, waitingFor: `the ${engine.endpoint.kind} engine's export` };
  // An engine may prepare the whole export before it answers at all (Docker 20.10 writes it to disk first).
  onProgress?.({ ...progress });
  /** The layer being spooled, to be removed if the export fails before it has all arrived. */
  let spooling: { spool: LayerSpool; member: string } | null = null;
  let failure: unknown = null;
  let holds = 0;
  let metadataBytes = 0;

  const layerDone = () => {
    progress.layersDone++;
    onProgress?.({ ...progress });
  };
  const endLayer = (spool: LayerSpool, member: string, indexer: PlainLayerIndexer | null) => {
    // A layer that is no good tar fails here, in the stream, with the spool still to be removed.
    const indexedHere = indexer?.finish();
    spooling = null;
    const indexed = spool
      .end(indexedHere)
      .then((spooled) => store.ingestSpooled(spooled))
      .then((stored) => {
        layerDone();
        return stored.diffId;
      });
    indexed.catch(() => {}); // awaited by the open (see LayerBlobSource.stored): not an unhandled rejection meanwhile
    meta.indexing.set(member, indexed);
  };

  const parser = new TarStreamParser((header) => {
    const name = cleanName(header.name);
    meta.sizes.set(name, header.size);
    if (header.typeflag === '2' && header.linkname) {
      const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
      const target = `${dir}/${header.linkname}`.split('/').reduce<string[]>((acc, part) => (part === '..' ? acc.slice(0, -1) : part && part !== '.' ? [...acc, part] : acc), []).join('/');
      meta.links.set(name, target);
    }
    if (header.typeflag !== '0' && header.typeflag !== '7') return null;
    // Docker 25+ names layers by digest (blobs/sha256/HEX), podman by diff ID (HEX.tar at the root),
    // older Docker by v1 ID (V1ID/layer.tar): only the last must be read to be known.
    const blobHex = /^(?:blobs\/sha256\/([0-9a-f]{64})|([0-9a-f]{64})\.tar)$/.exec(name)?.slice(1).find(Boolean);
    const known = blobHex && expected.has(`sha256:${blobHex}`) ? `sha256:${blobHex}` : null;
    if (known !== null || /(^|\/)layer\.tar$/.test(name)) {
      if (known !== null && store.hasLayer(known)) {
        layerDone();
        return null;
      }
      const where = `${label}: ${name}`;
      const spool = store.openSpool({ diffId: known, accept: (d) => expected.has(d), blobDigest: known, where });
      spooling = { spool, member: name };
      let left = header.size;
      /** Not judged yet (undefined); a plain tar, indexed here as it arrives; or anything else, read back from the spool (null). */
      let indexer: PlainLayerIndexer | null | undefined;
      if (left === 0) endLayer(spool, name, null);
      return (piece) => {
        // Judged once, by the first piece: a compressed layer's later pieces may look like anything.
        if (indexer === undefined) indexer = PlainLayerIndexer.reads(piece) ? new PlainLayerIndexer(where) : null;
        indexer?.push(piece);
        if (!spool.write(piece)) hold(spool.drained());
        left -= piece.length;
        if (left === 0) endLayer(spool, name, indexer);
      };
    }
    // A member too big to be metadata is no part of the image's description: counted past, unread.
    if (header.size > METADATA_LIMIT) return null;
    metadataBytes += header.size;
    if (metadataBytes > METADATA_LIMIT) throw new FathomError(`${label}: the export's members other than its layers come to more than ${METADATA_LIMIT >> 20} MB (at ${JSON.stringify(name)}); an image's manifests and configs are kilobytes`);
    const parts: Buffer[] = [];
    let left = header.size;
    if (left === 0) meta.files.set(name, Buffer.alloc(0));
    return (piece) => {
      parts.push(Buffer.from(piece));
      left -= piece.length;
      if (left === 0) meta.files.set(name, Buffer.concat(parts));
    };
  }, label);

  // Progress is the bytes received from the engine, from the first one: an engine may spend seconds
  // preparing its export, then send it fast, and a user should see it move as soon as anything does.
  let reported = 0;
  let firstByteAt = 0;
  const stream = streamGet(engine.endpoint, `/images/${imageId}/get`, (piece) => {
    if (failure !== null) return;
    const first = progress.bytesDone === 0;
    progress.bytesDone += piece.length;
    // The engine's size of an image is its files' bytes; the export has tar headers and JSON besides.
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    if (first) firstByteAt = Date.now();
    // The rate is the stream's own, not spread over the engine's preparation (~6 s for 1 GB here).
    progress.flowingSeconds = (Date.now() - firstByteAt) / 1000;
    delete progress.waitingFor;
    try {
      parser.push(piece);
    } catch (e) {
      failure = e;
      stream.stop();
      return;
    }
    // The archive is read to its end-of-archive marker and no further (as Go's archive/tar, which
    // `docker load` uses, reads one): Docker 20.10 ends its answer ~0.5 s after the marker, once it has
    // removed its own copy of the export, and what comes between is padding.
    if (parser.ended) stream.stop();
    if (!first && progress.bytesDone - reported < PROGRESS_EVERY_BYTES) return;
    reported = progress.bytesDone;
    onProgress?.({ ...progress });
  });
  // The disk fell behind the stream: the engine waits (its socket is not read) until it catches up.
  function hold(caughtUp: Promise<void>): void {
    if (holds++ === 0) stream.pause();
    void caughtUp.then(() => {
      if (--holds === 0) stream.resume();
    });
  }

  try {
    await stream.ended;
    if (failure !== null) throw failure;
    // An answer that ended without the marker is judged by its framing: cut inside an entry is an error.
    if (!parser.ended) parser.end();
  } catch (e) {
    const cut = spooling as { spool: LayerSpool; member: string } | null;
    await cut?.spool.abort();
    await forgetExport(meta, store);
    if (e instanceof FathomError) throw e;
    const explained = explainConnectionError(e, engine.endpoint);
    throw cut ? new FathomError(`${explained.message} (while receiving ${JSON.stringify(cut.member)})`) : explained;
  }
  // The last layers may still be being indexed: the open waits for each (LayerBlobSource.stored), and
  // stacks the ones below meanwhile.
  return meta;
}

/**
 * After a failed open: waits for every layer of the export still being indexed (nothing goes on in the
 * background once the open has failed), then removes those it stored that no stored image uses.
 */
async function forgetExport(meta: ExportMetadata, store: LayerStore): Promise<void> {
  for (const outcome of await Promise.allSettled(meta.indexing.values())) {
    if (outcome.status === 'fulfilled') store.removeLayerIfUnused(outcome.value);
  }
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
      let resolved: ResolvedImage;
      try {
        const resolve = files.has('manifest.json') ? resolveDockerSave : resolveOciLayout;
        resolved = resolve(files, spec, { ...options, tag: undefined });
        if (resolved.id !== id) throw new FathomError(`${label}: the export holds image ${resolved.id}, not ${id}`);
        // A layer the image does not name is refused when it is indexed (not one of its diff IDs): heard here.
        await Promise.all(files.unnamed());
      } catch (e) {
        await forgetExport(files, options.store);
        throw e;
      }
      return { ...resolved, repoTags: repoTags.length ? repoTags : resolved.repoTags, engineRead: { via: 'export', why } };
    },
  };
}
