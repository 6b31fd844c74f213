import type { ChangeKind } from '../union/changes.js';
import type { DisplayNode, DisplayTree } from './display-tree.js';
import { widen } from '../columns.js';

export type TreeSort = 'name' | 'size';

/** dive's hide toggles: a true here hides paths of that kind. */
export type HiddenKinds = Record<ChangeKind, boolean>;

export interface TreeViewOptions {
  /** Paths ("/usr/lib") whose children are folded away. */
  collapsed: ReadonlySet<string>;
  hidden: HiddenKinds;
  /** Matched against the full path; ancestors of matches stay visible. */
  filter: RegExp | null;
  sort: TreeSort;
}

/** One line of the file tree, ready to draw: a view of one slot of TreeRows, made when asked. */
export class TreeRow {
  constructor(
    private readonly tree: DisplayTree,
    private readonly nodeId: number,
    /** "│   ├── " style prefix (siblings share one string). */
    readonly guides: string,
    readonly depth: number,
    readonly collapsed: boolean,
  ) {}

  get node(): DisplayNode {
    return this.tree.node(this.nodeId);
  }

  get path(): string {
    return this.tree.path(this.nodeId);
  }
}

/**
 * The rows a file tree pane would draw, in order, as columns (a 100k-row tree is a few typed arrays, not
 * 100k objects): `at(i)` makes the view of one row, and a pane asks only for the rows on screen.
 */
export class TreeRows implements Iterable<TreeRow> {
  constructor(
    private readonly tree: DisplayTree,
    private readonly nodes: Int32Array,
    private readonly guides: string[],
    private readonly depths: Uint16Array,
    private readonly folded: Uint8Array,
    readonly length: number,
  ) {}

  at(i: number): TreeRow | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return new TreeRow(this.tree, this.nodes[i], this.guides[i], this.depths[i], this.folded[i] === 1);
  }

  slice(from: number, to: number): TreeRow[] {
    const out: TreeRow[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.length); i++) out.push(this.at(i)!);
    return out;
  }

  *[Symbol.iterator](): Iterator<TreeRow> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }

  /** The row of a path, or -1 (after a re-flatten, to keep the cursor on the same file). */
  indexOfPath(path: string): number {
    const name = path.slice(path.lastIndexOf('/') + 1);
    for (let i = 0; i < this.length; i++) {
      const n = this.nodes[i];
      if (this.tree.names[n] === name && this.tree.path(n) === path) return i;
    }
    return -1;
  }
}

/**
 * Flattens the display tree into the rows that would be drawn, in order: folded directories hide their
 * children, hidden kinds and the filter drop paths but keep the ancestors of anything still shown.
 * Recomputed only when folding, filter, sort or hide toggles change — never on cursor moves.
 */
export function flattenTree(tree: DisplayTree, opts: TreeViewOptions): TreeRows {
  const { childStart, childCount, names } = tree;
  const visible = new Uint8Array(tree.count);
  // Which paths are shown: themselves, or for something shown beneath them. Paths are spelled out only
  // when a filter needs them.
  const mark = (i: number, path: string): boolean => {
    let any = false;
    const n = childCount[i];
    for (let k = 0; k < n; k++) {
      const c = childStart[i] + k;
      if (mark(c, opts.filter ? `${path}/${names[c]}` : '')) any = true;
    }
    const self = !opts.hidden[tree.change(i)] && (opts.filter === null || opts.filter.test(path));
    if (self || any) visible[i] = 1;
    return self || any;
  };
  for (let k = 0; k < Math.max(0, childCount[0]); k++) mark(childStart[0] + k, opts.filter ? `/${names[childStart[0] + k]}` : '');

  let capacity = 1024;
  let nodes = new Int32Array(capacity);
  let depths = new Uint16Array(capacity);
  let folded = new Uint8Array(capacity);
  const guides: string[] = [];
  let length = 0;
  const push = (node: number, guide: string, depth: number, isFolded: boolean) => {
    if (length === capacity) {
      capacity *= 2;
      nodes = widen(nodes, capacity);
      depths = widen(depths, capacity);
      folded = widen(folded, capacity);
    }
    nodes[length] = node;
    depths[length] = Math.min(depth, 0xffff);
    folded[length] = isFolded ? 1 : 0;
    guides.push(guide);
    length++;
  };
  const childrenOf = (i: number): number[] => {
    const out: number[] = [];
    for (let k = 0; k < childCount[i]; k++) if (visible[childStart[i] + k]) out.push(childStart[i] + k);
    if (opts.sort === 'size') out.sort((a, b) => tree.totalBytes[b] - tree.totalBytes[a] || (names[a] < names[b] ? -1 : 1));
    return out;
  };
  const emit = (parent: number, prefix: string, depth: number) => {
    const shown = childrenOf(parent);
    // Siblings share their two guide strings (a 100k-row tree would otherwise hold 100k copies).
    const middle = `${prefix}├── `;
    const end = `${prefix}└── `;
    shown.forEach((child, k) => {
      const last = k === shown.length - 1;
      const isDir = childCount[child] >= 0;
      // A filter shows its matches: a folded directory that holds one is open while the filter is on.
      const isFolded = isDir && opts.collapsed.size > 0 && opts.filter === null && opts.collapsed.has(tree.path(child));
      push(child, last ? end : middle, depth, isFolded);
      if (isDir && !isFolded) emit(child, `${prefix}${last ? '    ' : '│   '}`, depth + 1);
    });
  };
  emit(0, '', 0);
  return new TreeRows(tree, nodes.slice(0, length), guides, depths.slice(0, length), folded.slice(0, length), length);
}

/** Every directory path, for "collapse all". */
export function allDirectories(tree: DisplayTree): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < tree.count; i++) if (tree.isDir(i)) out.add(tree.path(i));
  return out;
}

/** Finds the row of a path (after a re-flatten, to keep the cursor on the same file). */
export function rowOfPath(rows: TreeRows, path: string): number {
  return rows.indexOfPath(path);
}
