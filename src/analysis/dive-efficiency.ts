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
  /** The smallest copy that holds content (hard links are names of content, not copies): what must stay. */
  minCopy = new Float64Array(1024);
  count = new Uint32Array(1024);

  /**
   * A layer's leaves, staged (see stage) until the layer ends: a path the layer holds twice counts once,
   * as its last entry. `staged` lists the paths in the order the layer first had them; `stagedAt[i]`
   * is where path i sits in it, valid only when `staged` there points back (so nothing is cleared).
   */
  private stagedAt = new Int32Array(1024);
  private staged = new Int32Array(0);
  private stagedSize = new Float64Array(0);
  private stagedCopy = new Float64Array(0);
  private stagedCount = 0;

  /** `link`: the entry is a hard link (it counts for dive's figures, never as the copy that stays). */
  add(path: string, size: number, link = false): void {
    const i = this.slot(path);
    this.count[i]++;
    this.take(i, size, link ? Infinity : size);
  }

  /** Room for up to `entries` leaves of the next layer (see stage). */
  beginLayer(entries: number): void {
    if (this.staged.length < entries) {
      this.staged = new Int32Array(entries);
      this.stagedSize = new Float64Array(entries);
      this.stagedCopy = new Float64Array(entries);
    }
    this.stagedCount = 0;
  }

  /**
   * One leaf entry of the layer being read: it replaces what the layer staged for the path before, unless
   * it is `onlyIfNew` (an opaque marker's directory, which a real entry of the same layer outranks).
   */
  stage(path: string, size: number, link: boolean, onlyIfNew: boolean): void {
    const i = this.slot(path);
    let k = this.stagedAt[i];
    if (k < this.stagedCount && this.staged[k] === i) {
      if (onlyIfNew) return;
    } else {
      k = this.stagedCount++;
      this.staged[k] = i;
      this.stagedAt[i] = k;
    }
    this.stagedSize[k] = size;
    this.stagedCopy[k] = link ? Infinity : size;
  }

  /** The layer's staged leaves, each counted once. */
  endLayer(): void {
    for (let k = 0; k < this.stagedCount; k++) {
      const i = this.staged[k];
      this.count[i]++;
      this.take(i, this.stagedSize[k], this.stagedCopy[k]);
    }
    this.stagedCount = 0;
  }

  /** Path's row, made (empty) the first time it is seen. */
  private slot(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.index.size;
      if (i === this.cum.length) this.grow();
      this.index.set(path, i);
      this.cum[i] = 0;
      this.min[i] = Infinity;
      this.minCopy[i] = Infinity;
      this.count[i] = 0;
    }
    return i;
  }

  private take(i: number, size: number, copy: number): void {
    this.cum[i] += size;
    if (size < this.min[i]) this.min[i] = size;
    if (copy < this.minCopy[i]) this.minCopy[i] = copy;
  }

  private grow(): void {
    const n = this.cum.length * 2;
    this.cum = widen(this.cum, n);
    this.min = widen(this.min, n);
    this.minCopy = widen(this.minCopy, n);
    this.count = widen(this.count, n);
    this.stagedAt = widen(this.stagedAt, n);
  }
}

/**
 * Every path some entry of the layer lies under (whiteouts included). A tar lists a directory's entries
 * together, so an entry in the same directory as the one before adds nothing and is skipped.
 */
function parentPaths(index: LayerIndex): Set<string> {
  const { count, paths } = index;
  const parents = new Set<string>();
  let lastDir: string | null = null;
  for (let i = 0; i < count; i++) {
    const path = paths[i];
    const dirEnd = path.lastIndexOf('/');
    if (dirEnd <= 0 || (lastDir !== null && dirEnd === lastDir.length && path.startsWith(lastDir))) continue;
    lastDir = path.slice(0, dirEnd);
    for (let slash = dirEnd; slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const parent = slash === dirEnd ? lastDir : path.slice(0, slash);
      if (parents.has(parent)) break; // and so are all of its own parents
      parents.add(parent);
    }
  }
  return parents;
}

/** Marks a path a layer holds only as an opaque marker's directory: a node with no payload. */
const NO_PAYLOAD = -1;

/**
 * One layer as dive's tree meets it, for the stacked tree whiteouts are weighed on (only an image with
 * whiteouts needs it: a first open, which learns them as it goes, replays its layers at the end).
 */
interface LayerPass {
  /** Each path's last entry (whiteouts apart); NO_PAYLOAD for an opaque marker's directory. */
  lastEntry: Map<string, number>;
  /** The paths the layer whites out, in order. */
  whiteouts: Set<string>;
  /** Paths in the order dive's tree first met them (a path, then its new parents upwards). */
  firstSeen: { path: string; whiteout: boolean }[];
}

function passLayer(index: LayerIndex): LayerPass {
  const { count, kinds, paths } = index;
  const lastEntry = new Map<string, number>();
  const whiteouts = new Set<string>();
  const parents = new Set<string>();
  const firstSeen: LayerPass['firstSeen'] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i];
    const path = paths[i];
    if (kind === EntryKind.whiteout) {
      if (!whiteouts.has(path)) firstSeen.push({ path, whiteout: true });
      whiteouts.add(path);
    } else {
      if (!lastEntry.has(path) && !parents.has(path)) firstSeen.push({ path, whiteout: false });
      // dive drops ".wh..wh.*" names but has already made their directory, payload-less.
      if (kind !== EntryKind.opaque) lastEntry.set(path, i);
      else if (!lastEntry.has(path)) lastEntry.set(path, NO_PAYLOAD);
    }
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const parent = path.slice(0, slash);
      if (parents.has(parent)) break; // and so are all of its own parents
      parents.add(parent);
      if (!lastEntry.has(parent)) firstSeen.push({ path: parent, whiteout: false });
    }
  }
  return { lastEntry, whiteouts, firstSeen };
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
 * Layers are pushed oldest first. When every path the image whites out is known up front, each layer
 * meets the stacked tree as it comes; when not (a first open, layer by layer as they are read), the
 * layers are kept and, if any whites something out, replayed onto the tree at finish().
 */
export class DiveAccumulator {
  private readonly stats = new PathStats();
  private stacked: StackedTree | null;
  /** Layers pushed before the image's whiteouts are known, and those whiteouts so far. */
  private readonly pending: { layers: LayerIndex[]; whiteouts: Set<string> } | null;
  private userBytes = 0;
  private layers = 0;

  /** `whitedOut`: every path any layer whites out, or null to learn them from the layers pushed. */
  constructor(whitedOut: ReadonlySet<string> | null) {
    this.stacked = whitedOut && whitedOut.size > 0 ? new StackedTree(whitedOut) : null;
    this.pending = whitedOut ? null : { layers: [], whiteouts: new Set() };
  }

  push(index: LayerIndex): void {
    if (this.layers++ > 0) this.userBytes += index.stats.tarContentBytes;
    // dive visits leaves only; a whiteout is always a leaf, weighed against the layers below (stack).
    this.addLeaves(index);
    if (this.stacked) this.stack(index, passLayer(index));
    else if (this.pending) {
      if (index.stats.whiteouts > 0) for (let i = 0; i < index.count; i++) if (index.kinds[i] === EntryKind.whiteout) this.pending.whiteouts.add(index.paths[i]);
      this.pending.layers.push(index);
    }
  }

  /**
   * The layer's leaves (entries no other entry of the layer lies under, whiteouts apart), each path once
   * as its last entry holds it, counted by path row (a map of each path's last entry, a path-keyed insert
   * per entry, was a fifth of a 505k-entry first open's analysis).
   */
  private addLeaves(index: LayerIndex): void {
    const { count, kinds, paths, sizes } = index;
    const parents = parentPaths(index);
    const stats = this.stats;
    stats.beginLayer(count);
    for (let i = 0; i < count; i++) {
      const kind = kinds[i];
      if (kind === EntryKind.whiteout) continue;
      const path = paths[i];
      if (parents.size > 0 && parents.has(path)) continue;
      // dive drops ".wh..wh.*" names but has already made their directory, payload-less.
      if (kind === EntryKind.opaque) stats.stage(path, 0, false, true);
      else stats.stage(path, sizes[i], kind === EntryKind.hardlink, false);
    }
    stats.endLayer();
  }

  /** Weighs a layer's whiteouts on the tree below it, then applies the layer to the tree. */
  private stack(index: LayerIndex, { lastEntry, whiteouts, firstSeen }: LayerPass): void {
    const stacked = this.stacked!;
    for (const path of whiteouts) this.stats.add(path, stacked.whiteoutBytes(path));
    for (const { path, whiteout } of firstSeen) {
      if (!stacked.relevant(path)) continue;
      if (whiteout) {
        stacked.remove(path);
        continue;
      }
      const i = lastEntry.get(path) ?? NO_PAYLOAD;
      // Parents the layer only implies, and opaque directories, get empty payloads: size 0, not a directory.
      stacked.set(path, i === NO_PAYLOAD ? 0 : index.sizes[i], i !== NO_PAYLOAD && index.kinds[i] === EntryKind.dir);
    }
  }

  finish(): DiveEfficiency {
    if (this.pending && this.pending.whiteouts.size > 0) {
      // Now that every whiteout is known: each layer meets the stacked tree, in order, as it would have.
      this.stacked = new StackedTree(this.pending.whiteouts);
      for (const index of this.pending.layers.splice(0)) this.stack(index, passLayer(index));
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
        // Deduplicated, one copy of the content stays; a path only ever hard-linked keeps nothing back.
        const kept = stats.minCopy[i] === Infinity ? 0 : stats.minCopy[i];
        const reclaimable = Math.max(0, cum - kept);
        reclaimableBytes += reclaimable;
        inefficiencies.push({ path: `/${path}`, count: stats.count[i], sizeBytes: cum, reclaimableBytes: reclaimable });
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
