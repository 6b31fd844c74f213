import { EntryKind } from '../model/entry.js';
import { CONTENT_HASH_BYTES, type LayerIndex } from '../../store/layer-index.js';

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

/** One content seen so far: its size, the entry that first had it, and the paths that hold it. */
interface ContentGroup {
  /** The first entry with this content (layer × 2³² + entry): ties in the report are in this order. */
  first: number;
  layer: number;
  entry: number;
  size: number;
  firstPath: string;
  /** Null while only one path holds the content (as for most files). */
  paths: Set<string> | null;
}

/**
 * Finds files with identical content under different paths, layer by layer (oldest first), so a first
 * open can do it while later layers are still being read. Only files that share their size with another
 * can share content: a size seen once waits in a map of sizes, and only sizes seen twice are looked up
 * by content digest, in buckets keyed by 31 bits of it (a small integer, not a string per file), each
 * compared in full.
 */
export class DuplicateContentAccumulator {
  private readonly layers: LayerIndex[] = [];
  /** Sizes seen once so far: the one entry with that size. */
  private readonly loneSize = new Map<number, number>();
  /** Sizes seen more than once: their files are in the buckets. */
  private readonly sharedSize = new Set<number>();
  private readonly buckets = new Map<number, ContentGroup[]>();
  private readonly found: ContentGroup[] = [];

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

  private place(layer: number, i: number): void {
    const index = this.layers[layer];
    const size = index.sizes[i];
    const key = index.headKey(i); // 31 bits of the head digest: a small integer key
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = []));
    let group: ContentGroup | null = null;
    for (const g of bucket) {
      if (g.size === size && this.layers[g.layer].sameContent(g.entry, index, i)) {
        group = g;
        break;
      }
    }
    const path = index.paths[i];
    if (!group) bucket.push({ first: layer * ENTRY_SPAN + i, layer, entry: i, size, firstPath: path, paths: null });
    else if (path !== group.firstPath) {
      if (!group.paths) this.found.push(group);
      (group.paths ??= new Set([group.firstPath])).add(path);
    }
  }

  finish(): DuplicateContentReport {
    let extraBytes = 0;
    const shared = this.found.map((g) => {
      const extra = g.size * (g.paths!.size - 1);
      extraBytes += extra;
      return { first: g.first, size: g.size, paths: g.paths!, extra };
    });
    shared.sort((a, b) => b.extra - a.extra || a.first - b.first);
    const shown = shared.slice(0, DUPLICATE_GROUPS_SHOWN).map((g) => ({
      sizeBytes: g.size,
      pathCount: g.paths.size,
      paths: [...g.paths].sort().slice(0, DUPLICATE_PATHS_SHOWN).map((p) => `/${p}`),
      extraBytes: g.extra,
    }));
    return { shown, groups: shared.length, extraBytes };
  }
}
