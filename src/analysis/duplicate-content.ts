import { EntryKind } from '../model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { widen } from '../columns.js';

/** Identical content stored under two or more different paths. */
export interface DuplicateContent {
  sizeBytes: number;
  /** How many different paths hold this content. */
  pathCount: number;
  /** Up to DUPLICATE_PATHS_SHOWN of them, sorted. */
  paths: string[];
  /** Bytes saved if only one copy were kept. */
  extraBytes: number;
}

export interface DuplicateContentReport {
  /** The groups with the largest saving, largest first (at most DUPLICATE_GROUPS_SHOWN). */
  shown: DuplicateContent[];
  /** How many groups there are in all, and the bytes keeping one copy of each would save. */
  groups: number;
  extraBytes: number;
}

const DUPLICATE_PATHS_SHOWN = 20;
const DUPLICATE_GROUPS_SHOWN = 100;

/** An entry as one number: layer × 2³² + entry (both fit, and order by layer, then entry). */
const ENTRY_SPAN = 2 ** 32;

/** Up to this many holders, a group's paths are told apart pairwise (see pathsOf). */
const PAIRWISE_UP_TO = 48;

/**
 * Finds files with identical content under different paths, layer by layer (oldest first), so a first
 * open can do it while later layers are still being read. Only files that share their size with another
 * can share content: a size seen once waits in a map of sizes, and only sizes seen twice are looked up
 * by content digest, in buckets keyed by 31 bits of it (a small integer, not a string per file), each
 * compared in full.
 *
 * Each content seen is a group, kept in columns (its first entry and its size; its first path is that
 * entry's): nearly every file of an image whose sizes repeat is a group of its own, and an object, a
 * path and a bucket list for each took ~25 MB more of a 505k-entry first open's main heap.
 */
export class DuplicateContentAccumulator {
  private readonly layers: LayerIndex[] = [];
  /** Sizes seen once so far: the one entry with that size. */
  private readonly loneSize = new Map<number, number>();
  /** Sizes seen more than once: their files are in the buckets. */
  private readonly sharedSize = new Set<number>();
  /** Per 31 bits of a head digest: the one group with it, or the several (when those bits collide). */
  private readonly buckets = new Map<number, number | number[]>();
  /** Group g: the layer and entry that first had its content, and the content's size. */
  private groupLayer = new Uint32Array(1024);
  private groupEntry = new Uint32Array(1024);
  private groupSize = new Float64Array(1024);
  /** Group g's other holders, a list through `memberNext` (its newest first; -1: none yet). */
  private groupMembers = new Int32Array(1024);
  private groups = 0;
  /**
   * Every holder of a group's content but its first, as columns: layer, entry, and the next member of the
   * same group. A Set of paths per group cost more than the rest of the finder put together (~60 % of its
   * time on the 505k-entry image, where nearly every file has twenty copies); a path that is held twice
   * over (rewritten unchanged in a later layer) is counted once when the groups are summed up.
   */
  private memberLayer = new Uint32Array(1024);
  private memberEntry = new Uint32Array(1024);
  private memberNext = new Int32Array(1024);
  private members = 0;
  /** The groups more than one path holds, in the order they got their second. */
  private readonly found: number[] = [];

  push(index: LayerIndex): void {
    const layer = this.layers.length;
    this.layers.push(index);
    const { kinds, sizes } = index;
    for (let i = 0; i < index.count; i++) {
      const size = sizes[i];
      if (kinds[i] !== EntryKind.file || size === 0) continue;
      if (!this.sharedSize.has(size)) {
        const lone = this.loneSize.get(size);
        if (lone === undefined) {
          this.loneSize.set(size, layer * ENTRY_SPAN + i);
          continue;
        }
        this.loneSize.delete(size);
        this.sharedSize.add(size);
        this.place(Math.floor(lone / ENTRY_SPAN), lone % ENTRY_SPAN);
      }
      this.place(layer, i);
    }
  }

  /** Group g holds the content of entry i of `index` (of `size` bytes). */
  private holds(g: number, size: number, index: LayerIndex, i: number): boolean {
    return this.groupSize[g] === size && this.layers[this.groupLayer[g]].sameContent(this.groupEntry[g], index, i);
  }

  private firstPath(g: number): string {
    return this.layers[this.groupLayer[g]].paths[this.groupEntry[g]];
  }

  private newGroup(layer: number, i: number, size: number): number {
    const g = this.groups++;
    if (g === this.groupSize.length) {
      const n = g * 2;
      this.groupLayer = widen(this.groupLayer, n);
      this.groupEntry = widen(this.groupEntry, n);
      this.groupSize = widen(this.groupSize, n);
      this.groupMembers = widen(this.groupMembers, n);
    }
    this.groupLayer[g] = layer;
    this.groupEntry[g] = i;
    this.groupSize[g] = size;
    this.groupMembers[g] = -1;
    return g;
  }

  /** Entry i of `layer` holds group g's content too. */
  private addMember(g: number, layer: number, i: number): void {
    const m = this.members++;
    if (m === this.memberNext.length) {
      const n = m * 2;
      this.memberLayer = widen(this.memberLayer, n);
      this.memberEntry = widen(this.memberEntry, n);
      this.memberNext = widen(this.memberNext, n);
    }
    if (this.groupMembers[g] === -1) this.found.push(g);
    this.memberLayer[m] = layer;
    this.memberEntry[m] = i;
    this.memberNext[m] = this.groupMembers[g];
    this.groupMembers[g] = m;
  }

  /**
   * The different paths that hold group g's content, each once however many layers hold it: each member's
   * path differs from the first's (checked as it came), but two members may share one. Compared pairwise
   * for the usual few (cheaper than a Set or a sort of them), through a Set for many.
   */
  private pathsOf(g: number): string[] {
    const paths = [this.firstPath(g)];
    for (let m = this.groupMembers[g]; m !== -1; m = this.memberNext[m]) paths.push(this.layers[this.memberLayer[m]].paths[this.memberEntry[m]]);
    if (paths.length > PAIRWISE_UP_TO) return [...new Set(paths)];
    let kept = 1;
    next: for (let k = 1; k < paths.length; k++) {
      for (let j = 1; j < kept; j++) if (paths[j] === paths[k]) continue next;
      paths[kept++] = paths[k];
    }
    paths.length = kept;
    return paths;
  }

  private place(layer: number, i: number): void {
    const index = this.layers[layer];
    const size = index.sizes[i];
    const key = index.headKey(i); // 31 bits of the head digest: a small integer key
    const bucket = this.buckets.get(key);
    let group = -1;
    if (typeof bucket === 'number') {
      if (this.holds(bucket, size, index, i)) group = bucket;
    } else if (bucket) {
      for (const g of bucket) {
        if (this.holds(g, size, index, i)) {
          group = g;
          break;
        }
      }
    }
    if (group === -1) {
      const g = this.newGroup(layer, i, size);
      if (bucket === undefined) this.buckets.set(key, g);
      else if (typeof bucket === 'number') this.buckets.set(key, [bucket, g]);
      else bucket.push(g);
      return;
    }
    if (index.paths[i] === this.firstPath(group)) return;
    this.addMember(group, layer, i);
  }

  finish(): DuplicateContentReport {
    let extraBytes = 0;
    const shared = this.found.map((g) => {
      // One member: its path is not the first's, so two paths, with nothing to sort out.
      const paths = this.memberNext[this.groupMembers[g]] === -1 ? null : this.pathsOf(g);
      const pathCount = paths ? paths.length : 2;
      const size = this.groupSize[g];
      const extra = size * (pathCount - 1);
      extraBytes += extra;
      return { group: g, first: this.groupLayer[g] * ENTRY_SPAN + this.groupEntry[g], size, pathCount, paths, extra };
    });
    shared.sort((a, b) => b.extra - a.extra || a.first - b.first);
    const shown = shared.slice(0, DUPLICATE_GROUPS_SHOWN).map((g) => ({
      sizeBytes: g.size,
      pathCount: g.pathCount,
      paths: (g.paths ?? this.pathsOf(g.group)).sort().slice(0, DUPLICATE_PATHS_SHOWN).map((p) => `/${p}`),
      extraBytes: g.extra,
    }));
    return { shown, groups: shared.length, extraBytes };
  }
}
