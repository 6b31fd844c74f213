import type { LayerIndex } from '../../store/layer-index.js';
import type { ImageRecord } from '../../store/store.js';
import type { EngineRead, RegistryRead } from '../sources/types.js';
import { wasteReport, type WasteReport } from '../analysis/waste.js';
import { applyLayerWithChanges, type LayerChange } from '../union/changes.js';
import { applyLayer, lookup, newRoot, type UnionNode } from '../union/union-tree.js';
import { computeLayerFigures, FIGURES_VERSION, type ImageFigures, type LayerFigures } from './layer-figures.js';

/** An image whose every layer is in the store, indexes loaded: what the union, analysis and panes read. */
export interface OpenedImage {
  record: ImageRecord;
  /** One per layer, oldest first (a repeated diff ID shares one index). */
  layers: LayerIndex[];
  /** What the store kept of an earlier analysis (the model checks its version). */
  figures?: ImageFigures | null;
  /** For an engine image: how this open read it. */
  engineRead?: EngineRead;
  /** For a registry image: how the registry was reached. */
  registryRead?: RegistryRead;
  /** Made for one view (a container with its writable layer on top): its record and figures are never stored. */
  transient?: boolean;
}

export interface HistoryRow {
  createdBy: string;
  created: string | null;
  emptyLayer: boolean;
  /** The layer this row made, or null for metadata-only rows (ENV, CMD, …). */
  layerIndex: number | null;
  comment: string | null;
}

export interface LayerSummary extends LayerFigures {
  index: number;
  diffId: string;
  digest: string;
  mediaType: string;
  compressedBytes: number;
  /** `docker history` SIZE. */
  sizeBytes: number;
  command: string;
  /** Another layer of the image has the same diff ID. */
  repeated: boolean;
}

export type { WasteReport } from '../analysis/waste.js';

/**
 * Everything the CLI and the panes read about one image: history, layers with their change counts,
 * unions at any layer, change sets, and the waste analysis. Pure: built from store indexes, no I/O.
 */
export class ImageModel {
  readonly layers: readonly LayerIndex[];
  readonly record: ImageRecord;
  readonly history: HistoryRow[];
  private summaries: LayerSummary[] | null = null;
  /** Computed on first use, or as the store kept them from an earlier open. */
  private layerFigures: LayerFigures[] | null = null;
  /** Figures or waste were computed here, not all read from the store: worth keeping. */
  private computed = false;
  /**
   * The last few unions built (a layer view needs the one below the layer and the one at it; counting
   * changes leaves the top one). Held weakly: `inspect` and `ci` never need a union again, and the file
   * tree keeps its own display tree, so a union is only wanted again to build the next one; a union lives
   * in the old generation, so only a major collection takes it, and then it is rebuilt.
   */
  private readonly unionCache = new Map<number, WeakRef<UnionNode>>();
  private wasteCache: WasteReport | null = null;
  private readonly changesCache = new Map<number, LayerChange[]>();

  /** For an engine image: how this open read it (the header and `--json` say). */
  readonly engineRead: EngineRead | null;
  /** For a registry image: which registry, over what (the header says when it was not verified https). */
  readonly registryRead: RegistryRead | null;
  /** Never stored (see OpenedImage.transient). */
  readonly transient: boolean;

  /** Cheap: only pairs history with layers. Unions, change counts and waste are computed when first asked for. */
  constructor(opened: OpenedImage) {
    this.layers = opened.layers;
    this.record = opened.record;
    this.engineRead = opened.engineRead ?? null;
    this.registryRead = opened.registryRead ?? null;
    this.transient = opened.transient === true;
    this.history = historyRows(this.record);
    const kept = opened.figures;
    if (kept?.version === FIGURES_VERSION && Array.isArray(kept.layers) && kept.layers.length === this.layers.length) {
      this.layerFigures = kept.layers;
      this.wasteCache = kept.waste;
    }
  }

  /** Each layer with its change counts: one pass over every layer (done once, on first use). */
  get layerSummaries(): LayerSummary[] {
    if (!this.summaries) this.summarize();
    return this.summaries!;
  }

  /** The union of every layer. */
  get top(): UnionNode {
    return this.unionAt(this.layers.length - 1);
  }

  /** `docker history` SIZE of layer n, without building anything. */
  layerSize(n: number): number {
    return this.layers[n].stats.dockerSizeBytes;
  }

  private summarize(): void {
    const commands = new Map(this.history.filter((h) => h.layerIndex !== null).map((h) => [h.layerIndex!, h.createdBy]));
    const diffIdCounts = new Map<string, number>();
    for (const l of this.record.layers) diffIdCounts.set(l.diffId, (diffIdCounts.get(l.diffId) ?? 0) + 1);
    if (!this.layerFigures) {
      const computed = computeLayerFigures(this.layers, (n, e) => this.where(n, e));
      this.layerFigures = computed.layers;
      this.keepUnion(this.layers.length - 1, computed.top);
      this.computed = true;
    }
    this.summaries = this.layerFigures.map((figures, n) => {
      const ref = this.record.layers[n];
      return {
        index: n,
        diffId: ref.diffId,
        digest: ref.digest,
        mediaType: ref.mediaType,
        compressedBytes: ref.compressedBytes,
        sizeBytes: this.layers[n].stats.dockerSizeBytes,
        command: commands.get(n) ?? '',
        ...figures,
        repeated: (diffIdCounts.get(ref.diffId) ?? 0) > 1,
      };
    });
  }

  /** Whether anything was computed that the store does not already keep. */
  get hasNewFigures(): boolean {
    return this.computed;
  }

  /** What the store keeps of this image's analysis, so a reopen need not recompute it. */
  get figures(): ImageFigures {
    if (!this.layerFigures) this.summarize();
    return { version: FIGURES_VERSION, layers: this.layerFigures!, waste: this.wasteCache };
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /** `docker image inspect` Size: the sum of the layers' `docker history` sizes. */
  get sizeBytes(): number {
    return imageSizeBytes(this.layers);
  }

  where(layer: number, entry: number): string {
    const source = this.record.sources[0] ?? this.record.id;
    const path = entry >= 0 ? ` entry ${JSON.stringify(this.layers[layer].paths[entry])}` : '';
    return `${source}: layer ${layer} (${this.record.layers[layer]?.diffId ?? '?'})${path}`;
  }

  /** The merged filesystem after layers 0..upTo (-1: empty); the last few asked for are kept. */
  unionAt(upTo: number): UnionNode {
    if (upTo < 0) return newRoot();
    let root = this.unionCache.get(upTo)?.deref();
    if (!root) {
      root = newRoot();
      for (let n = 0; n <= upTo; n++) applyLayer(root, this.layers, n, (e) => this.where(n, e));
    }
    this.keepUnion(upTo, root);
    return root;
  }

  /** Puts a union at the fresh end of the cache, dropping the stalest beyond three. */
  private keepUnion(upTo: number, root: UnionNode): void {
    this.unionCache.delete(upTo);
    if (this.unionCache.size >= 3) this.unionCache.delete(this.unionCache.keys().next().value!);
    this.unionCache.set(upTo, new WeakRef(root));
  }

  /** What layer n adds, modifies and removes (the last few asked for are kept). */
  changesAt(n: number): LayerChange[] {
    const cached = this.changesCache.get(n);
    if (cached) return cached;
    const root = newRoot();
    for (let l = 0; l < n; l++) applyLayer(root, this.layers, l, (e) => this.where(l, e));
    const changes = applyLayerWithChanges(root, this.layers, n, (e) => this.where(n, e));
    if (this.changesCache.size >= 4) this.changesCache.delete(this.changesCache.keys().next().value!);
    this.changesCache.set(n, changes);
    return changes;
  }

  /** Every layer that wrote or hid `path` (or an ancestor of it), oldest first. */
  pathHistory(path: string): { layer: number; change: LayerChange }[] {
    const out: { layer: number; change: LayerChange }[] = [];
    const root = newRoot();
    for (let n = 0; n < this.layers.length; n++) {
      const touches = this.layers[n].paths.some((p) => p === path || path.startsWith(`${p}/`));
      if (touches) {
        const c = applyLayerWithChanges(root, this.layers, n, (e) => this.where(n, e)).find((ch) => ch.path === path);
        if (c) out.push({ layer: n, change: c });
      } else applyLayer(root, this.layers, n, (e) => this.where(n, e));
    }
    return out;
  }

  waste(): WasteReport {
    if (this.wasteCache) return this.wasteCache;
    this.computed = true;
    this.wasteCache = wasteReport(this.layers, this.layerSummaries);
    return this.wasteCache;
  }

  lookup(upTo: number, path: string): UnionNode | null {
    return lookup(this.unionAt(upTo), path);
  }
}

/** Pairs history rows with layers: each non-empty row made the next layer. */
export function historyRows(record: ImageRecord): HistoryRow[] {
  const rows = record.config.history ?? [];
  let layer = 0;
  const out: HistoryRow[] = rows.map((h) => {
    const empty = h.empty_layer === true;
    const row: HistoryRow = {
      createdBy: h.created_by ?? '',
      created: h.created ?? null,
      emptyLayer: empty,
      layerIndex: empty || layer >= record.layers.length ? null : layer,
      comment: h.comment ?? null,
    };
    if (!empty) layer++;
    return row;
  });
  // Images without history (docker import of a tarball can have none) still show every layer.
  for (; layer < record.layers.length; layer++) out.push({ createdBy: '', created: null, emptyLayer: false, layerIndex: layer, comment: null });
  return out;
}

/** `docker image inspect` Size: the sum of the layers' `docker history` sizes. */
export function imageSizeBytes(layers: readonly LayerIndex[]): number {
  return layers.reduce((n, l) => n + l.stats.dockerSizeBytes, 0);
}
