import type { LayerIndex } from '../../store/layer-index.js';
import type { FileTypeName } from '../model/entry.js';
import { attributesOf, type ChangeKind, type EntryAttributes } from '../union/changes.js';
import { nodeDifferences } from '../union/node-differences.js';
import { IMPLIED, type UnionNode } from '../union/union-tree.js';

/** No differences: one shared empty list rather than one per path (a tree may hold 100k paths). */
const SAME: readonly string[] = Object.freeze([]);

/**
 * A path as the file tree pane shows it: what it is now (or was, when removed) and how it changed. It
 * points at the entry that wrote the path; attributes are read from there when a row is drawn, so a
 * 100k-path tree holds no attribute objects for rows nobody looks at.
 */
export class DisplayNode {
  /** True when this path or something under it changed. */
  changedBelow: boolean;
  children: DisplayNode[] | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly parent: DisplayNode | null,
    readonly change: ChangeKind,
    /** What differs, for modified paths: "content", "mode", "owner", "type", "link". */
    readonly what: readonly string[],
    private readonly layers: readonly LayerIndex[],
    /** Layer that last wrote it (the removed entry's layer for removals). */
    readonly layer: number,
    private readonly entry: number,
    private readonly srcLayer: number,
    private readonly srcEntry: number,
    /** Regular-file bytes at and below this path. */
    public totalBytes: number,
  ) {
    this.changedBelow = change !== 'unmodified';
  }

  /** "/usr/lib/x": built when asked (only the rows someone acts on), not kept for every row. */
  get path(): string {
    let path = '';
    for (let n: DisplayNode | null = this; n && n.parent; n = n.parent) path = `/${n.name}${path}`;
    return path;
  }

  get attrs(): EntryAttributes {
    return attributesOf(this.layers, this.layer, this.entry, this.srcLayer, this.srcEntry);
  }
}

export interface DisplayTree {
  root: DisplayNode;
  count: number;
  counts: Record<ChangeKind, number>;
}

const byName = (a: DisplayNode, b: DisplayNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Merges the tree `before` a layer (or range) with the tree `after` it: every path of `after`, marked
 * added / modified / unmodified, plus every path only `before` had, marked removed.
 */
export function buildDisplayTree(layers: readonly LayerIndex[], before: UnionNode | null, after: UnionNode): DisplayTree {
  let nextId = 0;
  const counts: Record<ChangeKind, number> = { added: 0, modified: 0, removed: 0, unmodified: 0 };
  const make = (name: string, parent: DisplayNode | null, change: ChangeKind, what: readonly string[], node: UnionNode, attrs: EntryAttributes): DisplayNode => {
    counts[change]++;
    const fileBytes = attrs.type === 'file' ? attrs.sizeBytes : 0;
    return new DisplayNode(nextId++, name, parent, change, what, layers, node.layer, node.entry, node.srcLayer, node.srcEntry, fileBytes);
  };
  const attrsOf = (n: UnionNode) => attributesOf(layers, n.layer, n.entry, n.srcLayer, n.srcEntry);

  const removedSubtree = (node: UnionNode, name: string, parent: DisplayNode): DisplayNode => {
    const d = make(name, parent, 'removed', SAME, node, attrsOf(node));
    if (node.children) {
      d.children = [];
      for (const [childName, child] of node.children) {
        const c = removedSubtree(child, childName, d);
        d.children.push(c);
        d.totalBytes += c.totalBytes;
      }
      d.children.sort(byName);
    }
    return d;
  };

  const visit = (a: UnionNode, b: UnionNode | null, d: DisplayNode) => {
    d.children = [];
    for (const [name, child] of a.children!) {
      const prior = b?.children?.get(name) ?? null;
      const attrs = attrsOf(child);
      let c: DisplayNode;
      if (!prior) c = make(name, d, 'added', SAME, child, attrs);
      else if (prior.layer === child.layer && prior.entry === child.entry && prior.srcLayer === child.srcLayer && prior.srcEntry === child.srcEntry) {
        c = make(name, d, 'unmodified', SAME, child, attrs);
      } else {
        const what = nodeDifferences(layers, child, layers, prior, attrs, attrsOf(prior));
        c = make(name, d, what.length ? 'modified' : 'unmodified', what.length ? what : SAME, child, attrs);
      }
      if (child.children) visit(child, prior?.children ? prior : null, c);
      d.children.push(c);
      d.totalBytes += c.totalBytes;
      if (c.changedBelow) d.changedBelow = true;
    }
    if (b?.children) {
      for (const [name, prior] of b.children) {
        const now = a.children!.get(name);
        if (now && (now.children !== null) === (prior.children !== null)) continue;
        if (now && !prior.children) continue; // a file that became a directory: shown as modified above
        if (now && prior.children) {
          // A directory replaced by a non-directory: its old contents are gone.
          const existing = d.children.find((x) => x.name === name)!;
          existing.children = [];
          for (const [childName, child] of prior.children) existing.children.push(removedSubtree(child, childName, existing));
          existing.children.sort(byName);
          existing.changedBelow = true;
          continue;
        }
        d.children.push(removedSubtree(prior, name, d));
        d.changedBelow = true;
      }
    }
    d.children.sort(byName);
  };

  const root = new DisplayNode(nextId++, '', null, 'unmodified', SAME, layers, -1, IMPLIED, -1, IMPLIED, 0);
  visit(after, before, root);
  return { root, count: nextId, counts };
}


export type { FileTypeName };
