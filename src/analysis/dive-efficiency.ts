import { EntryKind } from '../model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { widen } from '../columns.js';

/** A path dive saw more than once across layers. */
export interface Inefficiency {
  path: string;
  count: number;
  /** dive's "wasted space" for the path: the sum of its sizes over every layer that has it. */
  sizeBytes: number;
  /** What deduplicating it would save: the sum minus the smallest size (dive#684). */
  reclaimableBytes: number;
}

export interface DiveEfficiency {
  efficiencyScore: number;
  wastedBytes: number;
  userWastedPercent: number;
  reclaimableBytes: number;
  /** Largest first. */
  inefficiencies: Inefficiency[];
}

/** A node of dive's tree of stacked lower layers: whiteouts delete, opaque markers are ignored, parents get empty payloads. */
interface StackedNode {
  children: Map<string, StackedNode> | null;
  size: number;
  isDir: boolean;
}

/**
 * dive's stacked tree, kept only where a whiteout can ask about it: at and under the paths some layer
 * whites out. A whiteout reads the node at its own path and the sizes beneath it, nothing else, so the
 * rest of the image never needs a node.
 */
class StackedTree {
  private readonly root: StackedNode = { children: new Map(), size: 0, isDir: true };

  constructor(private readonly whitedOut: ReadonlySet<string>) {}

  /** At or under a path some layer whites out. */
  relevant(path: string): boolean {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      if (this.whitedOut.has(path.slice(0, slash))) return true;
    }
    return this.whitedOut.has(path);
  }

  find(path: string): StackedNode | null {
    let node: StackedNode | undefined = this.root;
    for (const name of path.split('/')) {
      node = node.children?.get(name);
      if (!node) return null;
    }
    return node;
  }

  set(path: string, size: number, isDir: boolean): void {
    let node = this.root;
    for (const name of path.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(name);
      if (!child) {
        child = { children: null, size: 0, isDir: false };
        node.children.set(name, child);
      }
      node = child;
    }
    node.size = size;
    node.isDir = isDir;
  }

  remove(path: string): void {
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? this.root : this.find(path.slice(0, slash));
    parent?.children?.delete(path.slice(slash + 1));
  }

  /** What a whiteout of `path` weighs: the bytes beneath it when it was a directory, else 0. */
  whiteoutBytes(path: string): number {
    const node = this.find(path);
    return node?.isDir ? subtreeBytes(node) : 0;
  }
}

function subtreeBytes(node: StackedNode): number {
  let total = node.size;
  if (node.children) for (const c of node.children.values()) total += subtreeBytes(c);
  return total;
}

/** cum, min and count per path, in columns (a 100k-path image is 100k map entries, not 100k objects too). */
class PathStats {
  readonly index = new Map<string, number>();
  cum = new Float64Array(1024);
  min = new Float64Array(1024);
  count = new Uint32Array(1024);

  add(path: string, size: number): void {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.index.size;
      if (i === this.cum.length) this.grow();
      this.index.set(path, i);
      this.cum[i] = size;
      this.min[i] = size;
      this.count[i] = 1;
      return;
    }
    this.cum[i] += size;
    if (size < this.min[i]) this.min[i] = size;
    this.count[i]++;
  }

  private grow(): void {
    const n = this.cum.length * 2;
    this.cum = widen(this.cum, n);
    this.min = widen(this.min, n);
    this.count = widen(this.count, n);
  }
}

/** Marks a path a layer holds only as an opaque marker's directory: a node with no payload. */
const NO_PAYLOAD = -1;

/**
 * dive v0.13.1's efficiency, reproduced: over every layer's leaf paths, cum(p) = Σ sizes, min(p) =
 * smallest size, count(p) = times seen; a whiteout weighs what it removes when that was a directory in
 * dive's stacked lower tree. score = Σmin / Σcum; wasted = Σcum over paths seen twice or more;
 * user wasted percent = wasted / (Σ tar sizes of layers 1..n).
 *
 * dive builds a tree per layer and one of every path stacked; this gets the same numbers from a set of
 * each layer's parent paths (a leaf is a path no other entry lies under) and a stacked tree kept only
 * where whiteouts look (test/helpers/dive-reference.ts is dive's way, and the tests hold the two equal).
 */
export function diveEfficiency(layers: readonly LayerIndex[]): DiveEfficiency {
  const whitedOut = new Set<string>();
  for (const index of layers) {
    if (index.stats.whiteouts === 0) continue;
    for (let i = 0; i < index.count; i++) if (index.kinds[i] === EntryKind.whiteout) whitedOut.add(index.paths[i]);
  }
  const stacked = whitedOut.size > 0 ? new StackedTree(whitedOut) : null;
  const stats = new PathStats();

  for (const index of layers) {
    const { count, kinds, paths, sizes } = index;
    // The layer as dive's tree holds it: each path's last entry (whiteouts apart), and every parent path.
    const lastEntry = new Map<string, number>();
    const lastWhiteout = new Map<string, number>();
    const parents = new Set<string>();
    // The order dive's tree first met each node in (a path, then its new parents upwards): the stacked
    // tree replays deletes and writes in that order.
    const firstSeen: { path: string; whiteout: boolean }[] | null = stacked ? [] : null;
    for (let i = 0; i < count; i++) {
      const kind = kinds[i];
      const path = paths[i];
      if (kind === EntryKind.whiteout) {
        if (!lastWhiteout.has(path)) firstSeen?.push({ path, whiteout: true });
        lastWhiteout.set(path, i);
      } else {
        if (!lastEntry.has(path) && !parents.has(path)) firstSeen?.push({ path, whiteout: false });
        // dive drops ".wh..wh.*" names but has already made their directory, payload-less.
        if (kind !== EntryKind.opaque) lastEntry.set(path, i);
        else if (!lastEntry.has(path)) lastEntry.set(path, NO_PAYLOAD);
      }
      for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
        const parent = path.slice(0, slash);
        if (parents.has(parent)) break; // and so are all of its own parents
        parents.add(parent);
        if (!lastEntry.has(parent)) firstSeen?.push({ path: parent, whiteout: false });
      }
    }
    // dive visits leaves only; a whiteout is always a leaf, weighed against the layers below.
    for (const [path, i] of lastEntry) if (!parents.has(path)) stats.add(path, i === NO_PAYLOAD ? 0 : sizes[i]);
    for (const path of lastWhiteout.keys()) stats.add(path, stacked!.whiteoutBytes(path));
    if (!stacked) continue;
    for (const { path, whiteout } of firstSeen!) {
      if (!stacked.relevant(path)) continue;
      if (whiteout) {
        stacked.remove(path);
        continue;
      }
      const i = lastEntry.get(path) ?? NO_PAYLOAD;
      // Parents the layer only implies, and opaque directories, get empty payloads: size 0, not a directory.
      stacked.set(path, i === NO_PAYLOAD ? 0 : sizes[i], i !== NO_PAYLOAD && kinds[i] === EntryKind.dir);
    }
  }

  let minSum = 0;
  let cumSum = 0;
  let wastedBytes = 0;
  let reclaimableBytes = 0;
  const inefficiencies: Inefficiency[] = [];
  for (const [path, i] of stats.index) {
    const cum = stats.cum[i];
    const min = stats.min[i];
    minSum += min;
    cumSum += cum;
    if (stats.count[i] >= 2) {
      wastedBytes += cum;
      reclaimableBytes += cum - min;
      inefficiencies.push({ path: `/${path}`, count: stats.count[i], sizeBytes: cum, reclaimableBytes: cum - min });
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
