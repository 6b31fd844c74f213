import type { ChangeKind } from '../union/changes.js';
import type { DisplayNode, DisplayTree } from './display-tree.js';

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

/** One line of the file tree, ready to draw: the tree guides are computed here, once. */
export class TreeRow {
  constructor(
    readonly node: DisplayNode,
    /** "│   ├── " style prefix (siblings share one string). */
    readonly guides: string,
    readonly depth: number,
    readonly collapsed: boolean,
  ) {}

  get path(): string {
    return this.node.path;
  }
}

function visibleSelf(node: DisplayNode, opts: TreeViewOptions, path: string): boolean {
  if (opts.hidden[node.change]) return false;
  return opts.filter === null || opts.filter.test(path);
}

/**
 * Flattens the display tree into the rows that would be drawn, in order: folded directories hide their
 * children, hidden kinds and the filter drop paths but keep the ancestors of anything still shown.
 * Recomputed only when folding, filter, sort or hide toggles change — never on cursor moves.
 */
export function flattenTree(tree: DisplayTree, opts: TreeViewOptions): TreeRow[] {
  const visible = new Uint8Array(tree.count);
  const paths = new Array<string>(tree.count);
  const mark = (node: DisplayNode, path: string): boolean => {
    paths[node.id] = path;
    let any = false;
    if (node.children) for (const c of node.children) if (mark(c, `${path}/${c.name}`)) any = true;
    const self = visibleSelf(node, opts, path);
    if (self || any) visible[node.id] = 1;
    return self || any;
  };
  for (const c of tree.root.children ?? []) mark(c, `/${c.name}`);

  const order = (children: DisplayNode[]): DisplayNode[] =>
    opts.sort === 'size' ? [...children].sort((a, b) => b.totalBytes - a.totalBytes || (a.name < b.name ? -1 : 1)) : children;

  const rows: TreeRow[] = [];
  const emit = (children: DisplayNode[], prefix: string, depth: number) => {
    const shown = order(children).filter((c) => visible[c.id]);
    // Siblings share their two guide strings (a 100k-row tree would otherwise hold 100k copies).
    const middle = `${prefix}├── `;
    const end = `${prefix}└── `;
    shown.forEach((child, i) => {
      const last = i === shown.length - 1;
      const path = paths[child.id];
      const folded = child.children !== null && opts.collapsed.has(path);
      rows.push(new TreeRow(child, last ? end : middle, depth, folded));
      if (child.children && !folded) emit(child.children, `${prefix}${last ? '    ' : '│   '}`, depth + 1);
    });
  };
  emit(tree.root.children ?? [], '', 0);
  return rows;
}

/** Every directory path, for "collapse all". */
export function allDirectories(tree: DisplayTree): Set<string> {
  const out = new Set<string>();
  const walk = (n: DisplayNode, path: string) => {
    if (!n.children) return;
    if (path) out.add(path);
    for (const c of n.children) walk(c, `${path}/${c.name}`);
  };
  walk(tree.root, '');
  return out;
}

/** Finds the row of a path (after a re-flatten, to keep the cursor on the same file). */
export function rowOfPath(rows: readonly TreeRow[], path: string): number {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return rows.findIndex((r) => r.node.name === name && r.path === path);
}

