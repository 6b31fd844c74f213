import type { ImageModel } from '../model/image-model.js';
import { newRoot } from '../union/union-tree.js';
import { buildDisplayTree, type DisplayTree } from './display-tree.js';
import { layerAtRow, type CompareMode } from './image-view-state.js';
import { selectionLabel, type UiLang } from './chrome-text.js';

export interface TreeSelection {
  historyRow: number;
  mode: CompareMode;
  rangeStart: number | null;
}

/** Which two unions the file tree compares for a selection, described for the status line. */
export function describeSelection(model: ImageModel, sel: TreeSelection, lang: UiLang = 'en'): { from: number; to: number; label: string } {
  const to = layerAtRow(model.history, sel.historyRow);
  const metadataRow = model.history[sel.historyRow]?.layerIndex === null;
  if (sel.mode === 'layer') {
    if (metadataRow) return { from: to + 1, to, label: selectionLabel({ kind: 'metadata', to }, lang) };
    return { from: to, to, label: selectionLabel({ kind: 'layer', to }, lang) };
  }
  const from = sel.rangeStart === null ? 0 : Math.max(0, layerAtRow(model.history, sel.rangeStart));
  return { from, to, label: selectionLabel(from === 0 ? { kind: 'all', to } : { kind: 'range', from, to }, lang) };
}

/** The display tree for a selection: the union at the selected layer, compared with the union below the range. */
export function treeForSelection(model: ImageModel, sel: TreeSelection): DisplayTree {
  const { from, to } = describeSelection(model, sel);
  const after = to < 0 ? newRoot() : model.unionAt(to);
  const before = from > to ? after : from <= 0 ? null : model.unionAt(from - 1);
  return buildDisplayTree(model.layers, before, after);
}

/**
 * Where a path from the waste list can be seen: the newest layer whose union holds it. A file deleted
 * later (the biggest waste, often) is only in the layers before its deletion; null if no layer has it.
 */
export function newestLayerHolding(model: ImageModel, path: string): number | null {
  const clean = path.replace(/^\/+/, '');
  for (let layer = model.layerCount - 1; layer >= 0; layer--) if (model.lookup(layer, clean)) return layer;
  return null;
}
