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

/** How a path a layer first met goes into dive's stacked tree: deleted, or set with a payload. */
const REPLAY_WHITEOUT = 1;
const REPLAY_DIR = 2;

/**
 * One layer's writes and deletes on dive's stacked tree, in the order dive's tree first met each node (a
 * path, then its new parents upwards), and the paths it whites out: kept, in columns, when the paths the
 * image whites out are not known yet.
 */
interface Replay {
  paths: string[];
  sizes: number[];
  flags: number[];
  whiteouts: string[];
}

/**
 * dive v0.13.1's efficiency, reproduced: over every layer's leaf paths, cum(p) = Σ sizes, min(p) =
 * smallest size, count(p) = times seen; a whiteout weighs what it removes when that was a directory in
 * dive's stacked lower tree. score = Σmin / Σcum; wasted = Σcum over paths seen twice or more;
 * user wasted percent = wasted / (Σ tar sizes of layers 1..n).
 *
 * dive builds a tree per layer and one of every path stacked; this gets the same numbers from a set of
 * each layer's parent paths (a leaf is a path no other entry lies under) and a stacked tree kept only
 * where whiteouts look (test/helpers/dive-reference.ts is dive's way, and the tests hold the two equal).
 * Layers are pushed oldest first. When every path the image whites out is known up front, each layer is
 * replayed into the stacked tree as it comes; when not (a first open, layer by layer as they are read),
 * what the replay needs is kept until finish() knows them.
 */
export class DiveAccumulator {
  private readonly stats = new PathStats();
  private stacked: StackedTree | null;
  private readonly replays: Replay[] | null;
  private readonly learnedWhiteouts: Set<string> | null;
  private userBytes = 0;
  private layers = 0;

  /** `whitedOut`: every path any layer whites out, or null to learn them from the layers pushed. */
  constructor(whitedOut: ReadonlySet<string> | null) {
    this.stacked = whitedOut && whitedOut.size > 0 ? new StackedTree(whitedOut) : null;
    this.replays = whitedOut ? null : [];
    this.learnedWhiteouts = whitedOut ? null : new Set();
  }

  push(index: LayerIndex): void {
    if (this.layers++ > 0) this.userBytes += index.stats.tarContentBytes;
    const { count, kinds, paths, sizes } = index;
    const replay: Replay | null = this.stacked || this.replays ? { paths: [], sizes: [], flags: [], whiteouts: [] } : null;
    // The layer as dive's tree holds it: each path's last entry (whiteouts apart), and every parent path.
    const lastEntry = new Map<string, number>();
    const lastWhiteout = new Set<string>();
    const parents = new Set<string>();
    // Paths in the order dive's tree first met them; their payloads are read once the layer is done.
    const firstSeen: { path: string; whiteout: boolean }[] | null = replay ? [] : null;
    for (let i = 0; i < count; i++) {
      const kind = kinds[i];
      const path = paths[i];
      if (kind === EntryKind.whiteout) {
        if (!lastWhiteout.has(path)) firstSeen?.push({ path, whiteout: true });
        lastWhiteout.add(path);
        this.learnedWhiteouts?.add(path);
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
    // dive visits leaves only; a whiteout is always a leaf, weighed against the layers below (replay).
    for (const [path, i] of lastEntry) if (!parents.has(path)) this.stats.add(path, i === NO_PAYLOAD ? 0 : sizes[i]);
    if (!replay) return;
    replay.whiteouts = [...lastWhiteout];
    for (const { path, whiteout } of firstSeen!) {
      const i = whiteout ? NO_PAYLOAD : (lastEntry.get(path) ?? NO_PAYLOAD);
      // Parents the layer only implies, and opaque directories, get empty payloads: size 0, not a directory.
      replay.paths.push(path);
      replay.sizes.push(i === NO_PAYLOAD ? 0 : sizes[i]);
      replay.flags.push((whiteout ? REPLAY_WHITEOUT : 0) | (i !== NO_PAYLOAD && kinds[i] === EntryKind.dir ? REPLAY_DIR : 0));
    }
    if (this.replays) this.replays.push(replay);
    else this.replay(replay);
  }

  /** Weighs a layer's whiteouts on the tree below it, then applies the layer to the tree. */
  private replay(replay: Replay): void {
    const stacked = this.stacked!;
    for (const path of replay.whiteouts) this.stats.add(path, stacked.whiteoutBytes(path));
    replay.paths.forEach((path, k) => {
      if (!stacked.relevant(path)) return;
      if (replay.flags[k] & REPLAY_WHITEOUT) stacked.remove(path);
      else stacked.set(path, replay.sizes[k], (replay.flags[k] & REPLAY_DIR) !== 0);
    });
  }

  finish(): DiveEfficiency {
    if (this.replays && this.learnedWhiteouts!.size > 0) {
      this.stacked = new StackedTree(this.learnedWhiteouts!);
      for (const replay of this.replays.splice(0)) this.replay(replay);
    }
    const { stats } = this;
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
    return {
      efficiencyScore: cumSum === 0 ? 1 : minSum / cumSum,
      wastedBytes,
      userWastedPercent: this.userBytes === 0 ? 0 : wastedBytes / this.userBytes,
      reclaimableBytes,
      inefficiencies,
    };
  }
}

/** Every path some layer of the image whites out. */
export function whitedOutPaths(layers: readonly LayerIndex[]): Set<string> {
  const whitedOut = new Set<string>();
  for (const index of layers) {
    if (index.stats.whiteouts === 0) continue;
    for (let i = 0; i < index.count; i++) if (index.kinds[i] === EntryKind.whiteout) whitedOut.add(index.paths[i]);
  }
  return whitedOut;
}

/** dive's efficiency of a whole image (see DiveAccumulator): its whiteouts are gathered first, so nothing is kept per layer. */
export function diveEfficiency(layers: readonly LayerIndex[]): DiveEfficiency {
  const dive = new DiveAccumulator(whitedOutPaths(layers));
  for (const index of layers) dive.push(index);
  return dive.finish();
}
