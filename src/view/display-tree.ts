import type { LayerIndex } from '../../store/layer-index.js';
import type { FileTypeName } from '../model/entry.js';
import { attributesOf, type ChangeKind, type EntryAttributes } from '../union/changes.js';
import { nodeDifferences } from '../union/node-differences.js';
import type { UnionNode } from '../union/union-tree.js';

/** A path as the file tree pane shows it: what it is now (or was, when removed) and how it changed. */
export interface DisplayNode {
  id: number;
  name: string;
  parent: DisplayNode | null;
  change: ChangeKind;
  /** What differs, for modified paths: "content", "mode", "owner", "type", "link". */
  what: string[];
  attrs: EntryAttributes;
  /** Layer that last wrote it (the removed entry's layer for removals). */
  layer: number;
  /** Regular-file bytes at and below this path. */
  totalBytes: number;
  /** True when this path or something under it changed. */
  changedBelow: boolean;
  children: DisplayNode[] | null;
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
  const make = (name: string, parent: DisplayNode | null, change: ChangeKind, what: string[], node: UnionNode, attrs: EntryAttributes): DisplayNode => {
    counts[change]++;
    return { id: nextId++, name, parent, change, what, attrs, layer: node.layer, totalBytes: attrs.type === 'file' ? attrs.sizeBytes : 0, changedBelow: change !== 'unmodified', children: null };
  };
  const attrsOf = (n: UnionNode) => attributesOf(layers, n.layer, n.entry, n.srcLayer, n.srcEntry);

  const removedSubtree = (node: UnionNode, name: string, parent: DisplayNode): DisplayNode => {
    const d = make(name, parent, 'removed', [], node, attrsOf(node));
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
      if (!prior) c = make(name, d, 'added', [], child, attrs);
      else if (prior.layer === child.layer && prior.entry === child.entry && prior.srcLayer === child.srcLayer && prior.srcEntry === child.srcEntry) {
        c = make(name, d, 'unmodified', [], child, attrs);
      } else {
        const what = nodeDifferences(layers, child, layers, prior, attrs, attrsOf(prior));
        c = make(name, d, what.length ? 'modified' : 'unmodified', what, child, attrs);
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

  const rootAttrs: EntryAttributes = { type: 'dir', sizeBytes: 0, mode: '0755', uid: 0, gid: 0, linkTarget: null };
  const root: DisplayNode = { id: nextId++, name: '', parent: null, change: 'unmodified', what: [], attrs: rootAttrs, layer: -1, totalBytes: 0, changedBelow: false, children: null };
  visit(after, before, root);
  return { root, count: nextId, counts };
}


export type { FileTypeName };
