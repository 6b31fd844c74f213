import { FathomError } from './errors.js';
import { engineContentReader, fileContentReader, scanLayerHeadersHere, scanTarSplitLayerHere } from './layer/scan-headers.js';
import { indexWorkers } from '../store/index-workers.js';
import { decodeIndex } from '../store/index-codec.js';
import type { ScannedLayer } from './layer/scanned-layout.js';
import type { TarSplitLayer } from './layer/tar-split.js';
import type { ImageRecord, LayerStore, StoredLayerRef } from '../store/store.js';
import type { LayerIndex } from '../store/layer-index.js';
import type { Compression } from './layer/compression.js';
import type { EngineReadChoice, ImageSource, IngestProgress, ResolvedImage } from './sources/types.js';
import { FIGURES_VERSION, LayerStacker, type ImageFigures } from './model/layer-figures.js';
import type { WasteReport } from './analysis/waste.js';
import { imageSizeBytes, type ImageModel, type OpenedImage } from './model/image-model.js';

export type { OpenedImage } from './model/image-model.js';

const MEDIA_TYPES: Record<Compression, string> = {
  none: 'application/vnd.docker.image.rootfs.diff.tar',
  gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

/** Reads every layer the store lacks (several at a time), checks that the layers stack, and records the image. */
export async function ingestResolved(image: ResolvedImage, store: LayerStore, onProgress?: (p: IngestProgress) => void): Promise<ImageRecord> {
  // The lowest first, so stacking (which goes up from layer 0) starts while the rest are read; then the
  // largest first: with two readers, what is left at the end is small (and the two finish together).
  const sizeOf = (l: ResolvedImage['layers'][number]) => l.compressedBytes ?? l.blob.engineLayer?.bytes ?? 0;
  const inOrder = [...new Map(image.layers.filter((l) => !store.hasLayer(l.diffId)).map((l) => [l.diffId, l])).values()];
  const missing = [...inOrder.slice(0, 1), ...inOrder.slice(1).sort((a, b) => sizeOf(b) - sizeOf(a))];
  // Progress is of what this reads: a layer the source stores itself has been counted by the source (an
  // export's bytes as they arrived), and the source's last report stays up while it is finished.
  const read = missing.filter((l) => !l.blob.stored);
  const progress: IngestProgress = {
    layersDone: 0,
    layersTotal: read.length,
    bytesDone: 0,
    bytesTotal: read.reduce((n, l) => n + sizeOf(l), 0),
  };
  const report = read.length > 0 ? onProgress : undefined;
  report?.({ ...progress });
  // Layers that read fine can still stack badly (a hard link to nothing, a whiteout of nothing): stacking
  // them for their figures is the check, before the image is recorded. Each layer is stacked as soon as it
  // and every layer below it are in the store, while later ones are still being read.
  const indexOf = (n: number) => store.loadIndex(image.layers[n].diffId);
  const stacker =
    missing.length > 0 || !store.getImage(image.id) || !store.hasFigures(image.id)
      ? new LayerStacker((n, e) => `${image.source}: layer ${n} (${image.layers[n].diffId}) entry ${JSON.stringify(indexOf(n).paths[e])}`, true)
      : null;
  let stackFailure: unknown = null;
  let next = 0;
  let failed = false;
  const stackReadyLayers = () => {
    if (!stacker || stackFailure) return;
    try {
      while (stacker.stacked < image.layers.length && store.hasLayer(image.layers[stacker.stacked].diffId)) stacker.push(indexOf(stacker.stacked));
    } catch (e) {
      stackFailure = e;
      failed = true;
    }
  };
  const committed: string[] = [];
  const worker = async () => {
    while (next < missing.length && !failed) {
      const layer = missing[next++];
      let seen = 0;
      try {
        if (layer.blob.stored) {
          // Being stored by the source itself (an engine's export, indexed as it arrived): the layers
          // below it are stacked meanwhile.
          await layer.blob.stored;
        } else {
          await store.ingestLayer(layer.blob, (bytes) => {
            progress.bytesDone += bytes - seen;
            seen = bytes;
            report?.({ ...progress });
          });
          progress.layersDone++;
          report?.({ ...progress });
        }
      } catch (e) {
        failed = true;
        throw e;
      }
      committed.push(layer.diffId);
      // Every layer handed out: a reader with nothing left ends now. Its retirement timer could not fire
      // while the layer below is stacked (~0.6 s of this thread for 100k entries), and its heap was part
      // of a 505k-entry open's peak.
      if (next >= missing.length) indexWorkers()?.retireIdle();
      // After this loop has handed the next layer to a reader: stacking must not keep a worker waiting.
      setImmediate(stackReadyLayers);
    }
  };
  stackReadyLayers();
  // Four at a time: two layers being read (on the two worker threads, for big ones) and the next two
  // already queued behind them, so a reader never waits for this thread to hand it work.
  const outcomes = await Promise.allSettled([worker(), worker(), worker(), worker()]);
  let failure: unknown = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason ?? stackFailure;
  if (!failure && stacker) {
    stackReadyLayers();
    failure = stackFailure ?? (stacker.stacked < image.layers.length ? new FathomError(`${image.source}: layer ${stacker.stacked} vanished from the store while it was being opened`) : null);
  }
  if (failure) {
    // Layers the source stored itself (an export's, some perhaps still being stored) are this open's too:
    // waited for, then dropped.
    for (const outcome of await Promise.allSettled(image.layers.map((l) => l.blob.stored?.then(() => l.diffId)))) {
      if (outcome.status === 'fulfilled' && outcome.value !== undefined) committed.push(outcome.value);
    }
    // Leave the store as it was: drop what this open added that no stored image uses.
    for (const diffId of new Set(committed)) store.removeLayerIfUnused(diffId);
    throw failure;
  }
  const layers: StoredLayerRef[] = image.layers.map((l) => {
    const meta = store.readLayerMeta(l.diffId);
    return {
      diffId: l.diffId,
      digest: l.digest ?? meta.blobDigest,
      mediaType: l.mediaType ?? MEDIA_TYPES[meta.compression],
      compressedBytes: l.compressedBytes ?? meta.tarBytes,
    };
  });
  const stacked = stacker?.finish() ?? null;
  const saved = store.saveImage({
    id: image.id,
    repoTags: image.repoTags,
    manifestDigest: image.manifestDigest,
    sources: [image.source],
    config: image.config,
    ...(image.configJson !== undefined && { configJson: image.configJson }),
    layers,
    storedAt: new Date().toISOString(),
    ...(stacked?.waste && { analysis: analysisHeadline(stacked.waste, image.layers.map((_, n) => indexOf(n))) }),
  });
  if (stacked) store.saveFigures(image.id, { version: FIGURES_VERSION, layers: stacked.layers, waste: stacked.waste } satisfies ImageFigures);
  return saved;
}

/** Keeps an image's analysis: headline numbers in its record (image lists show them), the rest beside it. */
export function rememberAnalysis(store: LayerStore, model: ImageModel): void {
  if (model.transient) return;
  const waste = model.waste();
  // Read back whole from the store, and already summed up in the record: nothing to write.
  if (!model.hasNewFigures && model.record.analysis) return;
  store.saveImage({ ...model.record, analysis: analysisHeadline(waste, model.layers) });
  store.saveFigures(model.record.id, model.figures);
}

/** The figures an image list shows, kept in the image's record. */
function analysisHeadline(waste: WasteReport, layers: readonly LayerIndex[]): NonNullable<ImageRecord['analysis']> {
  return { sizeBytes: imageSizeBytes(layers), efficiencyScore: waste.efficiencyScore, wastedBytes: waste.wastedBytes };
}

export function loadStoredImage(record: ImageRecord, store: LayerStore): OpenedImage {
  return { record, layers: record.layers.map((l) => store.loadIndex(l.diffId)), figures: store.loadFigures(record.id) as ImageFigures | null };
}

/** Below this much to read, the full open is quick: no first look is worth a second draw. */
const PREVIEW_MIN_BYTES = 32 << 20;

/**
 * The image from its layers' tar headers (seeking past content), for a view to show while the layers are
 * read and verified; null where that can't be had cheaply (a compressed or remote layer), or is not worth
 * it. Nothing of it is stored: the view swaps it for the verified image, or for the error. `scans` are
 * the layers' header scans, made once: the same scan is the index the layer's verification fills in.
 */
async function previewOf(image: ResolvedImage, store: LayerStore, scans: LayerScans): Promise<OpenedImage | null> {
  let unread = 0;
  const layers: LayerIndex[] = [];
  // Every layer's scan at once (on both workers); a layer already stored is its stored index.
  const scanned = await Promise.all(image.layers.map((l) => (store.hasLayer(l.diffId) ? null : scans.scan(l))));
  for (const [n, l] of image.layers.entries()) {
    const look = scanned[n];
    if (look) {
      unread += look.index.stats.tarBytes;
      layers.push(look.index);
    } else if (store.hasLayer(l.diffId)) layers.push(store.loadIndex(l.diffId));
    else return null;
  }
  if (unread < PREVIEW_MIN_BYTES) return null;
  const record: ImageRecord = {
    id: image.id,
    repoTags: image.repoTags,
    manifestDigest: image.manifestDigest,
    sources: [image.source],
    config: image.config,
    layers: image.layers.map((l, n) => ({ diffId: l.diffId, digest: l.digest ?? l.diffId, mediaType: l.mediaType ?? MEDIA_TYPES.none, compressedBytes: l.compressedBytes ?? layers[n].stats.tarBytes })),
    storedAt: new Date().toISOString(),
  };
  return { record, layers, figures: null, transient: true, ...(image.engineRead && { engineRead: image.engineRead }) };
}

/**
 * Whether a first look will likely come: enough bytes still to read, all in layers whose headers can be
 * scanned where they are (a local file, or an engine's layer store). A compressed local layer can't be,
 * which only its scan finds out.
 */
function firstLookLikely(image: ResolvedImage, store: LayerStore): boolean {
  let unread = 0;
  for (const l of image.layers) {
    if (store.hasLayer(l.diffId)) continue;
    const bytes = l.blob.location?.().size ?? l.blob.engineLayer?.bytes;
    if (bytes === undefined) return false;
    unread += bytes;
  }
  return unread >= PREVIEW_MIN_BYTES;
}

/**
 * Hands the first look, if there is one, to `onPreview`, and returns once it is drawn (or after 1 s): the
 * layers' reading (their verification) waits, rather than compete with the first frame being made. On
 * two cores, two workers reading beside the main thread made a 1 GB image's first frame ~0.2 s later.
 */
async function showFirstLook(image: ResolvedImage, store: LayerStore, scans: LayerScans, onPreview: (preview: OpenedImage) => Promise<void> | void, onFirstLook?: (coming: boolean) => void): Promise<void> {
  const promised = firstLookLikely(image, store);
  if (promised) onFirstLook?.(true);
  let preview: OpenedImage | null = null;
  try {
    preview = await previewOf(image, store, scans);
  } catch {
    preview = null; // no first look: the open goes on, and says what is wrong if anything is
  } finally {
    scans.firstLookMade();
  }
  if (promised && !preview) onFirstLook?.(false);
  const drawn = preview ? onPreview(preview) : undefined;
  if (!drawn) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drawn.then(() => {}, () => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
}

/** Where a plain layer sits in a local file. */
type LayerLocation = { path: string; offset: number; size: number };

/** A layer's header scan made on this thread, in slices: from its local file, else from its engine's tar-split record. */
async function scanHere(at: LayerLocation | undefined, engineLayer: TarSplitLayer, where: string): Promise<ScannedLayer | null> {
  if (at) return scanLayerHeadersHere(at.path, at.offset, at.size, where);
  return { index: await scanTarSplitLayerHere(engineLayer, where), layout: null };
}

/** Each plain local layer's header scan, made once (for the first look, or when its reading starts). */
class LayerScans {
  private readonly made = new Map<string, Promise<ScannedLayer | null>>();
  /**
   * Scans run a layer at a time on each worker, each taking the next layer as it finishes: a scan costs
   * what its entries cost, which nothing tells beforehand (a 148 MB layer of 25k small files against a
   * 475 MB one of 10k); handed out all at once by size, one worker got two thirds of the entries.
   */
  private onWorkers = 0;
  /**
   * Until the first look is made, this thread is one of the scanners, in place of a worker: it has
   * nothing else to do, starts at once where a worker takes ~35 ms to, and what it scans needs no
   * copying back. On two cores the first frame came ~17 ms sooner for the ~1 GB bench archive, ~30 ms
   * through an engine's store, ~200 ms for the 505k-entry archive (medians of interleaved runs).
   * Its scan runs in slices (see scanLayerHeadersHere), so replies, timers and signals are still heard.
   */
  private scansHere: 'free' | 'busy' | 'over' = 'free';
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly source: string) {}

  scan(l: ResolvedImage['layers'][number]): Promise<ScannedLayer | null> {
    let made = this.made.get(l.diffId);
    if (!made) this.made.set(l.diffId, (made = this.make(l).catch(() => null))); // the layer's full read says what is wrong, in its own words
    return made;
  }

  /** The first look is made: from now on this thread draws and answers keys, and scans go to the workers. */
  firstLookMade(): void {
    this.scansHere = 'over';
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  /** Here or on a worker thread where there is one (two layers at once), whichever is free first. */
  private async make(l: ResolvedImage['layers'][number]): Promise<ScannedLayer | null> {
    const at = l.blob.location?.();
    const engineLayer = l.blob.engineLayer;
    const where = `${this.source}: layer ${l.diffId}`;
    if (!at && !engineLayer) return null;
    const workers = indexWorkers();
    if (!workers) return scanHere(at, engineLayer!, where);
    for (;;) {
      if (this.scansHere === 'free') return this.makeHere(at, engineLayer, where);
      // While this thread scans, it stands for one of the workers.
      if (this.onWorkers < workers.capacity - (this.scansHere === 'over' ? 0 : 1)) break;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.onWorkers++;
    let scanned: Awaited<ReturnType<typeof workers.scan>>;
    try {
      // Weighed by what a scan reads: headers and small files, not the whole of a big one.
      scanned = await workers.scan({ scan: at ? { kind: 'range', ...at } : { kind: 'engine', tarSplit: engineLayer!.tarSplit, diffDir: engineLayer!.diffDir }, where }, (at?.size ?? engineLayer!.bytes) / 8);
    } finally {
      this.onWorkers--;
      this.wakeOne();
    }
    if (!scanned) return null;
    const index = decodeIndex(Buffer.from(scanned.index.buffer, scanned.index.byteOffset, scanned.index.byteLength), where);
    index.markDigestsPending(); // the encoding carries no record of which digests were taken
    index.contentReader = at ? fileContentReader(at.path, at.offset) : engineContentReader(engineLayer!, where);
    return { index, layout: scanned.layout };
  }

  private async makeHere(at: LayerLocation | undefined, engineLayer: TarSplitLayer | undefined, where: string): Promise<ScannedLayer | null> {
    this.scansHere = 'busy';
    try {
      return await scanHere(at, engineLayer!, where);
    } finally {
      if (this.scansHere === 'busy') this.scansHere = 'free';
      this.wakeOne();
    }
  }

  /** The image's layers, each scanned when its reading starts: a worker verifies it against its scan. */
  scanning(image: ResolvedImage): ResolvedImage {
    return { ...image, layers: image.layers.map((l) => ({ ...l, blob: { ...l.blob, scan: () => this.scan(l) } })) };
  }
}

export async function openImage(
  source: ImageSource,
  store: LayerStore,
  opts: {
    tag?: string;
    platform?: string;
    engineRead?: EngineReadChoice;
    onProgress?: (p: IngestProgress) => void;
    /**
     * Given a first look, from the layers' tar headers alone, before they are read and verified; may
     * return when it is on screen, and the reading waits until then (or 1 s).
     */
    onPreview?: (preview: OpenedImage) => Promise<void> | void;
    /** Told `true` when a first look is being made, `false` if it then does not come (see AppIo.openImage). */
    onFirstLook?: (coming: boolean) => void;
  } = {},
): Promise<OpenedImage> {
  const resolved = await source.resolve({ store, tag: opts.tag, platform: opts.platform, engineRead: opts.engineRead, onProgress: opts.onProgress });
  if (resolved.layers.length === 0) throw new FathomError(`${source.spec}: the image has no layers`);
  // With a first look wanted, each layer is scanned once, here or on a worker (LayerScans): the first look is the
  // scans together, and a plain layer's reading verifies it against its own scan.
  const scans = opts.onPreview ? new LayerScans(resolved.source) : null;
  if (opts.onPreview && scans) await showFirstLook(resolved, store, scans, opts.onPreview, opts.onFirstLook);
  const ingest = ingestResolved(scans ? scans.scanning(resolved) : resolved, store, opts.onProgress);
  const record = await ingest;
  return { ...loadStoredImage(record, store), ...(resolved.engineRead && { engineRead: resolved.engineRead }), ...(resolved.registryRead && { registryRead: resolved.registryRead }) };
}
