import type { LayerIndex } from '../../store/layer-index.js';
import { EntryKind, type FileTypeName } from '../model/entry.js';
import { attributesOf, type ChangeKind, type EntryAttributes } from '../union/changes.js';
import { nodeDifferences } from '../union/node-differences.js';
import { IMPLIED, type UnionNode } from '../union/union-tree.js';
import { widen } from '../columns.js';

const CHANGES: readonly ChangeKind[] = ['added', 'modified', 'removed', 'unmodified'];
const CHANGE_CODE: Record<ChangeKind, number> = { added: 0, modified: 1, removed: 2, unmodified: 3 };
/** The differences nodeDifferences names, in the order it names them: one bit each. */
const DIFFERENCES = ['type', 'content', 'link', 'mode', 'owner'] as const;
/** Every combination decoded once: a row's `what` is a shared list, never one per path. */
const WHAT_LISTS: readonly (readonly string[])[] = Array.from({ length: 1 << DIFFERENCES.length }, (_, bits) =>
  Object.freeze(DIFFERENCES.filter((_, i) => bits & (1 << i))),
);

function differenceBits(what: readonly string[]): number {
  let bits = 0;
  for (const w of what) bits |= 1 << DIFFERENCES.indexOf(w as (typeof DIFFERENCES)[number]);
  return bits;
}

/** Which entry wrote a path: a union node, or the root's stand-in. */
type EntryRef = Pick<UnionNode, 'layer' | 'entry' | 'srcLayer' | 'srcEntry'>;

/** Marks a node with no list of children (not a directory, and nothing removed beneath it). */
const NO_CHILDREN = -1;

/**
 * The file tree a pane shows, as columns: one slot per path, not one object. Every path of the tree
 * after a layer (or range), marked added / modified / unmodified, plus every path only the tree before
 * had, marked removed. A directory's children sit side by side, in name order; node 0 is the root. A
 * path points at the entry that wrote it (or, removed, the one it hid): attributes are read from there
 * when a row is drawn.
 */
export class DisplayTree {
  count = 0;
  readonly counts: Record<ChangeKind, number> = { added: 0, modified: 0, removed: 0, unmodified: 0 };
  names: string[] = [];
  parents = new Int32Array(1024);
  childStart = new Int32Array(1024);
  /** NO_CHILDREN, or how many children the node has. */
  childCount = new Int32Array(1024);
  changes = new Uint8Array(1024);
  differences = new Uint8Array(1024);
  layer = new Int32Array(1024);
  entry = new Int32Array(1024);
  srcLayer = new Int32Array(1024);
  srcEntry = new Int32Array(1024);
  /** Regular-file bytes at and below the path. */
  totalBytes = new Float64Array(1024);
  /** The path or something under it changed. */
  changedBelow = new Uint8Array(1024);

  /** While building: one string per distinct name (names repeat: __init__.py, LC_MESSAGES, copyright). */
  private internedNames: Map<string, string> | null = new Map();

  constructor(readonly layers: readonly LayerIndex[]) {}

  get root(): DisplayNode {
    return new DisplayNode(this, 0);
  }

  node(i: number): DisplayNode {
    return new DisplayNode(this, i);
  }

  change(i: number): ChangeKind {
    return CHANGES[this.changes[i]];
  }

  isDir(i: number): boolean {
    return this.childCount[i] !== NO_CHILDREN;
  }

  /** "/usr/lib/x": built when asked (only the rows someone acts on), not kept for every path. */
  path(i: number): string {
    let path = '';
    for (let n = i; n > 0; n = this.parents[n]) path = `/${this.names[n]}${path}`;
    return path;
  }

  /** Adds a path; `at` is the entry that wrote it (for a removed path, the one it hid). */
  add(name: string, parent: number, change: ChangeKind, differences: number, at: EntryRef, fileBytes: number): number {
    const i = this.count++;
    if (i === this.parents.length) this.grow();
    let shared = this.internedNames!.get(name);
    if (shared === undefined) this.internedNames!.set(name, (shared = name));
    this.names.push(shared);
    this.parents[i] = parent;
    this.childCount[i] = NO_CHILDREN;
    this.changes[i] = CHANGE_CODE[change];
    this.differences[i] = differences;
    this.layer[i] = at.layer;
    this.entry[i] = at.entry;
    this.srcLayer[i] = at.srcLayer;
    this.srcEntry[i] = at.srcEntry;
    this.totalBytes[i] = fileBytes;
    this.changedBelow[i] = change === 'unmodified' ? 0 : 1;
    this.counts[change]++;
    return i;
  }

  private grow(): void {
    const n = this.parents.length * 2;
    this.parents = widen(this.parents, n);
    this.childStart = widen(this.childStart, n);
    this.childCount = widen(this.childCount, n);
    this.changes = widen(this.changes, n);
    this.differences = widen(this.differences, n);
    this.layer = widen(this.layer, n);
    this.entry = widen(this.entry, n);
    this.srcLayer = widen(this.srcLayer, n);
    this.srcEntry = widen(this.srcEntry, n);
    this.totalBytes = widen(this.totalBytes, n);
    this.changedBelow = widen(this.changedBelow, n);
  }

  /** Drops the columns' spare room, and the name table, once the tree is built. */
  trim(): void {
    const n = this.count;
    this.internedNames = null;
    this.parents = this.parents.slice(0, n);
    this.childStart = this.childStart.slice(0, n);
    this.childCount = this.childCount.slice(0, n);
    this.changes = this.changes.slice(0, n);
    this.differences = this.differences.slice(0, n);
    this.layer = this.layer.slice(0, n);
    this.entry = this.entry.slice(0, n);
    this.srcLayer = this.srcLayer.slice(0, n);
    this.srcEntry = this.srcEntry.slice(0, n);
    this.totalBytes = this.totalBytes.slice(0, n);
    this.changedBelow = this.changedBelow.slice(0, n);
  }
}

/** One path of a DisplayTree, as the panes read it: a view made when asked, holding nothing of its own. */
export class DisplayNode {
  constructor(
    readonly tree: DisplayTree,
    readonly id: number,
  ) {}

  get name(): string {
    return this.tree.names[this.id];
  }

  get change(): ChangeKind {
    return this.tree.change(this.id);
  }

  /** What differs, for modified paths: "type", "content", "link", "mode", "owner". */
  get what(): readonly string[] {
    return WHAT_LISTS[this.tree.differences[this.id]];
  }

  /** Layer that last wrote it (the removed entry's layer for removals). */
  get layer(): number {
    return this.tree.layer[this.id];
  }

  get totalBytes(): number {
    return this.tree.totalBytes[this.id];
  }

  /** Has a list of children: a directory, or a path under which something was removed. */
  get isDir(): boolean {
    return this.tree.isDir(this.id);
  }

  get path(): string {
    return this.tree.path(this.id);
  }

  get attrs(): EntryAttributes {
    const t = this.tree;
    return attributesOf(t.layers, t.layer[this.id], t.entry[this.id], t.srcLayer[this.id], t.srcEntry[this.id]);
  }

  /** The symlink the layer's tar name went through when the entry was written here ("/lnk"), or null. */
  get writtenThrough(): string | null {
    const t = this.tree;
    const layer = t.layer[this.id];
    const entry = t.entry[this.id];
    return layer >= 0 && entry >= 0 ? (t.layers[layer].writtenThrough.get(entry) ?? null) : null;
  }
}

/** A child about to be laid out: where it comes from and what happened to it. */
interface ChildSpec {
  name: string;
  at: UnionNode;
  change: ChangeKind;
  differences: number;
  /** Its tree in `after` (with its match in `before`), when it is a directory there. */
  below: { after: UnionNode; before: UnionNode | null } | null;
  /** The tree that is gone beneath it: a removed directory's, or one replaced by a non-directory. */
  removedBelow: UnionNode | null;
}

const byName = (a: ChildSpec, b: ChildSpec) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Merges the tree `before` a layer (or range) with the tree `after` it: every path of `after`, marked
 * added / modified / unmodified, plus every path only `before` had, marked removed.
 */
export function buildDisplayTree(layers: readonly LayerIndex[], before: UnionNode | null, after: UnionNode): DisplayTree {
  const tree = new DisplayTree(layers);
  const attrsOf = (n: UnionNode) => attributesOf(layers, n.layer, n.entry, n.srcLayer, n.srcEntry);
  // Read from the columns: every path of the tree passes here, most of them never drawn.
  const fileBytes = (n: UnionNode) => (n.entry !== IMPLIED && layers[n.layer].kinds[n.entry] === EntryKind.file ? layers[n.layer].sizes[n.entry] : 0);

  /** Lays out `specs` as the children of `parent`, side by side in name order, then fills each one's own. */
  const layOut = (parent: number, specs: ChildSpec[]) => {
    specs.sort(byName);
    const start = tree.count;
    for (const s of specs) tree.add(s.name, parent, s.change, s.differences, s.at, fileBytes(s.at));
    tree.childStart[parent] = start;
    tree.childCount[parent] = specs.length;
    specs.forEach((s, k) => {
      const i = start + k;
      if (s.below) fillMerged(i, s.below.after, s.below.before);
      else if (s.removedBelow) fillRemoved(i, s.removedBelow, s.change === 'removed');
      if (tree.changedBelow[i]) tree.changedBelow[parent] = 1;
    });
  };

  /** Everything beneath a path that is gone: counted into the path's bytes when the path itself is gone. */
  const fillRemoved = (i: number, gone: UnionNode, countBytes: boolean) => {
    const specs: ChildSpec[] = [];
    for (const [name, child] of gone.children!) {
      specs.push({ name, at: child, change: 'removed', differences: 0, below: null, removedBelow: child.children ? child : null });
    }
    layOut(i, specs);
    tree.changedBelow[i] = 1;
    if (countBytes) for (let k = 0; k < specs.length; k++) tree.totalBytes[i] += tree.totalBytes[tree.childStart[i] + k];
  };

  const fillMerged = (d: number, a: UnionNode, b: UnionNode | null) => {
    const specs: ChildSpec[] = [];
    for (const [name, child] of a.children!) {
      const prior = b?.children?.get(name) ?? null;
      let change: ChangeKind;
      let differences = 0;
      if (!prior) change = 'added';
      else if (prior.layer === child.layer && prior.entry === child.entry && prior.srcLayer === child.srcLayer && prior.srcEntry === child.srcEntry) {
        change = 'unmodified';
      } else {
        const what = nodeDifferences(layers, child, layers, prior, attrsOf(child), attrsOf(prior));
        change = what.length ? 'modified' : 'unmodified';
        differences = differenceBits(what);
      }
      specs.push({ name, at: child, change, differences, below: child.children ? { after: child, before: prior?.children ? prior : null } : null, removedBelow: null });
    }
    if (b?.children) {
      for (const [name, prior] of b.children) {
        const now = a.children!.get(name);
        if (now && (now.children !== null) === (prior.children !== null)) continue;
        if (now && !prior.children) continue; // a file that became a directory: shown as modified above
        // A directory replaced by a non-directory: its old contents are gone, listed beneath the new path.
        if (now) specs.find((sp) => sp.name === name)!.removedBelow = prior;
        else specs.push({ name, at: prior, change: 'removed', differences: 0, below: null, removedBelow: prior.children ? prior : null });
      }
    }
    layOut(d, specs);
    // A directory's bytes are those of what it holds now: removed children count only in their own.
    const start = tree.childStart[d];
    for (let k = 0; k < specs.length; k++) if (specs[k].change !== 'removed') tree.totalBytes[d] += tree.totalBytes[start + k];
  };

  tree.add('', 0, 'unmodified', 0, { layer: -1, entry: IMPLIED, srcLayer: -1, srcEntry: IMPLIED }, 0);
  tree.counts.unmodified--; // the root is no path of the image
  fillMerged(0, after, before);
  tree.trim();
  return tree;
}

export type { FileTypeName };
