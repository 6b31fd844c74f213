import type { LayerIndex } from '../../store/layer-index.js';
import type { ImageRecord } from '../../store/store.js';
import { diveEfficiency, type DiveEfficiency } from '../analysis/dive-efficiency.js';
import { CONTENT_HASH_BYTES } from '../../store/layer-index.js';
import { EntryKind } from './entry.js';
import type { OpenedImage } from '../open-image.js';
import { applyLayerWithChanges, countChanges, type LayerChange } from '../union/changes.js';
import { applyLayer, forEachBelow, lookup, newRoot, type UnionNode } from '../union/union-tree.js';

export interface HistoryRow {
  createdBy: string;
  created: string | null;
  emptyLayer: boolean;
  /** The layer this row made, or null for metadata-only rows (ENV, CMD, …). */
  layerIndex: number | null;
  comment: string | null;
}

export interface LayerSummary {
  index: number;
  diffId: string;
  digest: string;
  mediaType: string;
  compressedBytes: number;
  /** `docker history` SIZE. */
  sizeBytes: number;
  command: string;
  added: number;
  modified: number;
  removed: number;
  /** Bytes of this layer's files that later layers delete or overwrite (shipped, never seen). */
  shadowedBytes: number;
  /** Bytes this layer hides with `.wh.` whiteouts and with opaque directories. */
  removedByWhiteoutBytes: number;
  removedByOpaqueBytes: number;
  /** Another layer of the image has the same diff ID. */
  repeated: boolean;
}

export interface DuplicateContent {
  sizeBytes: number;
  /** How many different paths hold this content. */
  pathCount: number;
  /** Up to DUPLICATE_PATHS_SHOWN of them, sorted. */
  paths: string[];
  /** Bytes saved if only one copy were kept. */
  extraBytes: number;
}

export interface WasteReport extends DiveEfficiency {
  removedByWhiteoutBytes: number;
  removedByOpaqueBytes: number;
  duplicateContent: DuplicateContent[];
  duplicateContentBytes: number;
}

/**
 * Everything the CLI and the panes read about one image: history, layers with their change counts,
 * unions at any layer, change sets, and the waste analysis. Pure: built from store indexes, no I/O.
 */
export class ImageModel {
  readonly layers: readonly LayerIndex[];
  readonly record: ImageRecord;
  readonly history: HistoryRow[];
  private summaries: LayerSummary[] | null = null;
  private topRoot: UnionNode | null = null;
  /** The last few unions built (a layer view needs the one below the layer and the one at it). */
  private readonly unionCache = new Map<number, UnionNode>();
  private wasteCache: WasteReport | null = null;
  private readonly changesCache = new Map<number, LayerChange[]>();

  /** Cheap: only pairs history with layers. Unions, change counts and waste are computed when first asked for. */
  constructor(opened: OpenedImage) {
    this.layers = opened.layers;
    this.record = opened.record;
    this.history = historyRows(this.record);
  }

  /** Each layer with its change counts: one pass over every layer (done once, on first use). */
  get layerSummaries(): LayerSummary[] {
    if (!this.summaries) this.summarize();
    return this.summaries!;
  }

  /** The union of every layer. */
  get top(): UnionNode {
    if (!this.topRoot) this.summarize();
    return this.topRoot!;
  }

  /** `docker history` SIZE of layer n, without building anything. */
  layerSize(n: number): number {
    return this.layers[n].stats.dockerSizeBytes;
  }

  private summarize(): void {
    const commands = new Map(this.history.filter((h) => h.layerIndex !== null).map((h) => [h.layerIndex!, h.createdBy]));
    const diffIdCounts = new Map<string, number>();
    for (const l of this.record.layers) diffIdCounts.set(l.diffId, (diffIdCounts.get(l.diffId) ?? 0) + 1);

    const root = newRoot();
    const summaries: LayerSummary[] = this.layers.map((index, n) => {
      const removedBytes = hiddenBytes(root, this.layers, n);
      const changes = applyLayerWithChanges(root, this.layers, n, (e) => this.where(n, e));
      const ref = this.record.layers[n];
      return {
        index: n,
        diffId: ref.diffId,
        digest: ref.digest,
        mediaType: ref.mediaType,
        compressedBytes: ref.compressedBytes,
        sizeBytes: index.stats.dockerSizeBytes,
        command: commands.get(n) ?? '',
        ...countChanges(changes),
        shadowedBytes: 0,
        removedByWhiteoutBytes: removedBytes.whiteout,
        removedByOpaqueBytes: removedBytes.opaque,
        repeated: (diffIdCounts.get(ref.diffId) ?? 0) > 1,
      };
    });
    const visible = this.layers.map((l) => new Uint8Array(l.count));
    forEachBelow(root, (node) => {
      if (node.entry >= 0) visible[node.layer][node.entry] = 1;
      if (node.srcEntry >= 0) visible[node.srcLayer][node.srcEntry] = 1;
    });
    this.layers.forEach((index, n) => {
      let shadowed = 0;
      for (let i = 0; i < index.count; i++) if (index.kinds[i] === EntryKind.file && !visible[n][i]) shadowed += index.sizes[i];
      summaries[n].shadowedBytes = shadowed;
    });
    this.summaries = summaries;
    this.topRoot = root;
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /** `docker image inspect` Size: the sum of the layers' `docker history` sizes. */
  get sizeBytes(): number {
    return this.layers.reduce((n, l) => n + l.stats.dockerSizeBytes, 0);
  }

  where(layer: number, entry: number): string {
    const source = this.record.sources[0] ?? this.record.id;
    const path = entry >= 0 ? ` entry ${JSON.stringify(this.layers[layer].paths[entry])}` : '';
    return `${source}: layer ${layer} (${this.record.layers[layer]?.diffId ?? '?'})${path}`;
  }

  /** The merged filesystem after layers 0..upTo (-1: empty); the last few asked for are kept. */
  unionAt(upTo: number): UnionNode {
    if (upTo < 0) return newRoot();
    if (upTo === this.layers.length - 1 && this.topRoot) return this.topRoot;
    const cached = this.unionCache.get(upTo);
    if (cached) {
      this.unionCache.delete(upTo);
      this.unionCache.set(upTo, cached);
      return cached;
    }
    const root = newRoot();
    for (let n = 0; n <= upTo; n++) applyLayer(root, this.layers, n, (e) => this.where(n, e));
    if (this.unionCache.size >= 3) this.unionCache.delete(this.unionCache.keys().next().value!);
    this.unionCache.set(upTo, root);
    return root;
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
    const dive = diveEfficiency(this.layers);
    const duplicateContent = findDuplicateContent(this.layers);
    this.wasteCache = {
      ...dive,
      removedByWhiteoutBytes: this.layerSummaries.reduce((n, l) => n + l.removedByWhiteoutBytes, 0),
      removedByOpaqueBytes: this.layerSummaries.reduce((n, l) => n + l.removedByOpaqueBytes, 0),
      duplicateContent,
      duplicateContentBytes: duplicateContent.reduce((n, d) => n + d.extraBytes, 0),
    };
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

/** Regular-file bytes that layer n's whiteouts and opaque markers hide, measured on the tree below it. */
function hiddenBytes(before: UnionNode, layers: readonly LayerIndex[], n: number): { whiteout: number; opaque: number } {
  const index = layers[n];
  let whiteout = 0;
  let opaque = 0;
  if (index.stats.whiteouts === 0 && index.stats.opaqueWhiteouts === 0) return { whiteout, opaque };
  const fileBytes = (node: UnionNode): number => {
    let total = 0;
    forEachBelow(node, (x) => {
      if (x.entry >= 0 && layers[x.layer].kinds[x.entry] === EntryKind.file) total += layers[x.layer].sizes[x.entry];
    });
    return total;
  };
  for (let i = 0; i < index.count; i++) {
    const kind = index.kinds[i];
    if (kind !== EntryKind.whiteout && kind !== EntryKind.opaque) continue;
    const node = lookup(before, index.paths[i]);
    if (!node || node === before) continue;
    if (kind === EntryKind.whiteout) whiteout += fileBytes(node);
    else if (node.children) for (const child of node.children.values()) opaque += fileBytes(child);
  }
  return { whiteout, opaque };
}

const DUPLICATE_PATHS_SHOWN = 20;

/** Files with identical content stored under two or more different paths. */
function findDuplicateContent(layers: readonly LayerIndex[]): DuplicateContent[] {
  const groups = new Map<string, { size: number; paths: Set<string> }>();
  for (const index of layers) {
    for (let i = 0; i < index.count; i++) {
      if (index.kinds[i] !== EntryKind.file || index.sizes[i] === 0) continue;
      const key = index.hashes.toString('hex', i * CONTENT_HASH_BYTES, (i + 1) * CONTENT_HASH_BYTES);
      let g = groups.get(key);
      if (!g) {
        g = { size: index.sizes[i], paths: new Set() };
        groups.set(key, g);
      }
      g.paths.add(`/${index.paths[i]}`);
    }
  }
  const out: DuplicateContent[] = [];
  for (const g of groups.values()) {
    if (g.paths.size < 2) continue;
    out.push({ sizeBytes: g.size, pathCount: g.paths.size, paths: [...g.paths].sort().slice(0, DUPLICATE_PATHS_SHOWN), extraBytes: g.size * (g.paths.size - 1) });
  }
  return out.sort((a, b) => b.extraBytes - a.extraBytes);
}
