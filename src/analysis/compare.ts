import type { ImageModel } from '../model/image-model.js';
import { attributesOf } from '../union/changes.js';
import { nodeDifferences } from '../union/node-differences.js';
import type { UnionNode } from '../union/union-tree.js';

export interface FileDifference {
  path: string;
  change: 'added' | 'removed' | 'modified';
  /** Size in A (null when added) and in B (null when removed). */
  sizeBytesA: number | null;
  sizeBytesB: number | null;
  /** For modified: what differs ("content", "mode", …). */
  what: string[];
}

export interface ImageComparison {
  /** How many leading layers the two images share (the build-cache prefix). */
  sharedLayers: number;
  sharedBytes: number;
  /** The first layer where they part ways (index in each), or null when one contains the other. */
  firstDifferentLayer: number | null;
  files: FileDifference[];
  totals: { added: number; removed: number; modified: number; addedBytes: number; removedBytes: number };
}

function sizeOf(model: ImageModel, node: UnionNode): number {
  return attributesOf(model.layers, node.layer, node.entry, node.srcLayer, node.srcEntry).sizeBytes;
}

/** Compares two images: the layers they share, then their top unions file by file. */
export function compareImages(a: ImageModel, b: ImageModel): ImageComparison {
  let shared = 0;
  const la = a.record.layers;
  const lb = b.record.layers;
  while (shared < la.length && shared < lb.length && la[shared].diffId === lb[shared].diffId) shared++;
  const files: FileDifference[] = [];
  const walk = (na: UnionNode | null, nb: UnionNode | null, prefix: string) => {
    const names = new Set<string>([...(na?.children?.keys() ?? []), ...(nb?.children?.keys() ?? [])]);
    for (const name of [...names].sort()) {
      const ca = na?.children?.get(name) ?? null;
      const cb = nb?.children?.get(name) ?? null;
      const path = `${prefix}/${name}`;
      if (ca && !cb) files.push({ path, change: 'removed', sizeBytesA: sizeOf(a, ca), sizeBytesB: null, what: [] });
      else if (!ca && cb) files.push({ path, change: 'added', sizeBytesA: null, sizeBytesB: sizeOf(b, cb), what: [] });
      else if (ca && cb) {
        const what = nodeDifferences(a.layers, ca, b.layers, cb);
        if (what.length) files.push({ path, change: 'modified', sizeBytesA: sizeOf(a, ca), sizeBytesB: sizeOf(b, cb), what });
      }
      walk(ca?.children ? ca : null, cb?.children ? cb : null, path);
    }
  };
  walk(a.top, b.top, '');
  const fileBytes = (f: FileDifference, side: 'A' | 'B') => (side === 'A' ? f.sizeBytesA : f.sizeBytesB) ?? 0;
  return {
    sharedLayers: shared,
    sharedBytes: a.layerSummaries.slice(0, shared).reduce((n, l) => n + l.sizeBytes, 0),
    firstDifferentLayer: shared < la.length && shared < lb.length ? shared : null,
    files,
    totals: {
      added: files.filter((f) => f.change === 'added').length,
      removed: files.filter((f) => f.change === 'removed').length,
      modified: files.filter((f) => f.change === 'modified').length,
      addedBytes: files.filter((f) => f.change === 'added').reduce((n, f) => n + fileBytes(f, 'B'), 0),
      removedBytes: files.filter((f) => f.change === 'removed').reduce((n, f) => n + fileBytes(f, 'A'), 0),
    },
  };
}
