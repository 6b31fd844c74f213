// The straightforward transcription of dive's rules: per-layer trees of objects, one stacked tree of every
// path. Slow and memory-hungry on big images, so the product uses a leaner version; tests hold it to this.
import { EntryKind } from '../../src/model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';
import type { DiveEfficiency, Inefficiency } from '../../src/analysis/dive-efficiency.js';

/** dive's tree of stacked lower layers: whiteouts delete, opaque markers are ignored, parents get empty payloads. */
interface DiveNode {
  children: Map<string, DiveNode> | null;
  size: number;
  isDir: boolean;
}

function diveChild(parent: DiveNode, name: string): DiveNode {
  parent.children ??= new Map();
  let child = parent.children.get(name);
  if (!child) {
    child = { children: null, size: 0, isDir: false };
    parent.children.set(name, child);
  }
  return child;
}

function diveFind(root: DiveNode, path: string): DiveNode | null {
  let node: DiveNode | undefined = root;
  for (const name of path.split('/')) {
    node = node.children?.get(name);
    if (!node) return null;
  }
  return node;
}

function diveSubtreeBytes(node: DiveNode): number {
  let total = node.size;
  if (node.children) for (const c of node.children.values()) total += diveSubtreeBytes(c);
  return total;
}

/** One layer as dive's per-layer tree holds it: a node per path, whiteouts as their own nodes. */
interface LayerNode {
  path: string;
  whiteout: boolean;
  /** The last tar entry's payload; null for a parent the layer only implies. */
  payload: { size: number; isDir: boolean; link: boolean } | null;
  hasChild: boolean;
}

function layerTree(index: LayerIndex): Map<string, LayerNode> {
  const nodes = new Map<string, LayerNode>();
  const ensure = (path: string, whiteout: boolean): LayerNode => {
    const key = whiteout ? `\0wh\0${path}` : path;
    let node = nodes.get(key);
    if (!node) {
      node = { path, whiteout, payload: null, hasChild: false };
      nodes.set(key, node);
      const slash = path.lastIndexOf('/');
      if (slash > 0) ensure(path.slice(0, slash), false).hasChild = true;
    }
    return node;
  };
  for (let i = 0; i < index.count; i++) {
    const kind = index.kinds[i];
    const path = index.paths[i];
    if (kind === EntryKind.opaque) {
      // dive drops ".wh..wh.*" names but has already made their parent directories.
      ensure(path, false);
      continue;
    }
    const node = ensure(path, kind === EntryKind.whiteout);
    node.payload = { size: index.sizes[i], isDir: kind === EntryKind.dir, link: kind === EntryKind.hardlink };
  }
  return nodes;
}

/**
 * dive v0.13.1's efficiency as dive computes it, tree by tree: the reference the fast version in
 * src/analysis/dive-efficiency.ts is checked against. Over every layer's leaf paths, cum(p) = Σ sizes, min(p) =
 * smallest size, count(p) = times seen; a whiteout weighs what it removes when that was a directory in
 * dive's stacked lower tree. score = Σmin / Σcum; wasted = Σcum over paths seen twice or more;
 * user wasted percent = wasted / (Σ tar sizes of layers 1..n).
 */
export function diveEfficiencyReference(layers: readonly LayerIndex[]): DiveEfficiency {
  // minCopy: fathom's own figure beside dive's, the smallest copy that holds content (a hard link holds none).
  const stats = new Map<string, { cum: number; min: number; minCopy: number; count: number }>();
  const stacked: DiveNode = { children: new Map(), size: 0, isDir: true };
  for (const index of layers) {
    const nodes = layerTree(index);
    for (const node of nodes.values()) {
      if (node.hasChild) continue; // dive visits leaves only
      let size = 0;
      if (node.whiteout) {
        const lower = diveFind(stacked, node.path);
        if (lower?.isDir) size = diveSubtreeBytes(lower);
      } else {
        size = node.payload?.size ?? 0;
      }
      const copy = !node.whiteout && node.payload?.link ? Infinity : size;
      const s = stats.get(node.path);
      if (s) {
        s.cum += size;
        s.min = Math.min(s.min, size);
        s.minCopy = Math.min(s.minCopy, copy);
        s.count++;
      } else stats.set(node.path, { cum: size, min: size, minCopy: copy, count: 1 });
    }
    for (const node of nodes.values()) {
      if (node.whiteout) {
        const slash = node.path.lastIndexOf('/');
        const parent = slash === -1 ? stacked : diveFind(stacked, node.path.slice(0, slash));
        parent?.children?.delete(node.path.slice(slash + 1));
        continue;
      }
      let target = stacked;
      for (const name of node.path.split('/')) target = diveChild(target, name);
      target.size = node.payload?.size ?? 0;
      target.isDir = node.payload?.isDir ?? false;
    }
  }
  let minSum = 0;
  let cumSum = 0;
  let wastedBytes = 0;
  let reclaimableBytes = 0;
  const inefficiencies: Inefficiency[] = [];
  for (const [path, s] of stats) {
    minSum += s.min;
    cumSum += s.cum;
    if (s.count >= 2) {
      wastedBytes += s.cum;
      const reclaimable = Math.max(0, s.cum - (s.minCopy === Infinity ? 0 : s.minCopy));
      reclaimableBytes += reclaimable;
      inefficiencies.push({ path: `/${path}`, count: s.count, sizeBytes: s.cum, reclaimableBytes: reclaimable });
    }
  }
  inefficiencies.sort((a, b) => b.sizeBytes - a.sizeBytes || (a.path < b.path ? -1 : 1));
  const userBytes = layers.slice(1).reduce((n, l) => n + l.stats.tarContentBytes, 0);
  return {
    efficiencyScore: cumSum === 0 ? 1 : minSum / cumSum,
    wastedBytes,
    userWastedPercent: userBytes === 0 ? 0 : wastedBytes / userBytes,
    reclaimableBytes,
    inefficiencies,
  };
}
