import type { LayerIndex } from '../../store/layer-index.js';
import { WasteAccumulator, type WasteReport } from '../analysis/waste.js';
import { EntryKind } from './entry.js';
import type { LayerFigures } from './figures.js';
import { applyLayerCountingChanges } from '../union/changes.js';
import { forEachBelow, lookup, newRoot, type UnionNode } from '../union/union-tree.js';

export type { LayerFigures } from './figures.js';

/**
 * An image's figures as the store keeps them beside its record. Bump the version whenever what they
 * mean or how they are computed changes: figures of another version are computed afresh.
 */
export const FIGURES_VERSION = 2;
export interface ImageFigures {
  version: number;
  layers: LayerFigures[];
  /** Once analysed. */
  waste: WasteReport | null;
}

/**
 * Stacks layers one at a time, oldest first, as Docker does, and measures what each did. Stacking refuses
 * a layer that cannot stack (a hard link to nothing, a whiteout of nothing) with an error naming it
 * (`where`), so this is also the check an image passes before the store records it. One layer at a time,
 * so a first open can stack the layers already read while later ones are still being read.
 */
export class LayerStacker {
  private readonly root = newRoot();
  private readonly layers: LayerIndex[] = [];
  private readonly figures: LayerFigures[] = [];
  private readonly waste: WasteAccumulator | null;

  /** `gatherWaste`: gather the waste report too, layer by layer (a first open, while later layers are read). */
  constructor(
    private readonly where: (layer: number, entry: number) => string,
    gatherWaste = false,
  ) {
    this.waste = gatherWaste ? new WasteAccumulator(null) : null;
  }

  /** How many layers are stacked so far. */
  get stacked(): number {
    return this.layers.length;
  }

  push(index: LayerIndex): void {
    const n = this.layers.length;
    this.layers.push(index);
    const removedBytes = hiddenBytes(this.root, this.layers, n);
    const counts = applyLayerCountingChanges(this.root, this.layers, n, (e) => this.where(n, e));
    this.figures.push({ ...counts, shadowedBytes: 0, removedByWhiteoutBytes: removedBytes.whiteout, removedByOpaqueBytes: removedBytes.opaque });
    this.waste?.push(index);
  }

  /** Once every layer is stacked: what each layer's files lost to later layers needs the final tree. */
  finish(): { layers: LayerFigures[]; top: UnionNode; waste: WasteReport | null } {
    const { layers, figures, root } = this;
    const visible = layers.map((l) => new Uint8Array(l.count));
    forEachBelow(root, (node) => {
      if (node.entry >= 0) visible[node.layer][node.entry] = 1;
      if (node.srcEntry >= 0) visible[node.srcLayer][node.srcEntry] = 1;
    });
    layers.forEach((index, n) => {
      let shadowed = 0;
      for (let i = 0; i < index.count; i++) if (index.kinds[i] === EntryKind.file && !visible[n][i]) shadowed += index.sizes[i];
      figures[n].shadowedBytes = shadowed;
    });
    return { layers: figures, top: root, waste: this.waste?.finish(figures) ?? null };
  }
}

/** Every layer stacked at once (see LayerStacker). */
export function computeLayerFigures(layers: readonly LayerIndex[], where: (layer: number, entry: number) => string): { layers: LayerFigures[]; top: UnionNode } {
  const stacker = new LayerStacker(where);
  for (const index of layers) stacker.push(index);
  return stacker.finish();
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
