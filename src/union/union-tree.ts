import { FathomError } from '../errors.js';
import { EntryKind } from '../model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';

/** Marks an implied directory: one a layer needed as a parent but never listed. */
export const IMPLIED = -1;

/** A path in the merged filesystem, pointing at the layer entry that last wrote it. */
export interface UnionNode {
  name: string;
  parent: UnionNode | null;
  /** Present exactly when the node is a directory. */
  children: Map<string, UnionNode> | null;
  layer: number;
  /** Index into that layer's entries, or IMPLIED. */
  entry: number;
  /** Where the content lives: for a hard link, the file it was linked to when it was made; else the node itself. */
  srcLayer: number;
  srcEntry: number;
}

export function newRoot(): UnionNode {
  return { name: '', parent: null, children: new Map(), layer: -1, entry: IMPLIED, srcLayer: -1, srcEntry: IMPLIED };
}

export function nodePath(node: UnionNode): string {
  const parts: string[] = [];
  for (let n: UnionNode | null = node; n && n.parent; n = n.parent) parts.push(n.name);
  return parts.reverse().join('/');
}

export function lookup(root: UnionNode, path: string): UnionNode | null {
  if (path === '') return root;
  let node = root;
  let start = 0;
  for (;;) {
    const slash = path.indexOf('/', start);
    const name = slash === -1 ? path.slice(start) : path.slice(start, slash);
    const next = node.children?.get(name);
    if (!next) return null;
    if (slash === -1) return next;
    node = next;
    start = slash + 1;
  }
}

/**
 * lookup() for a run of paths that mostly share their directory with the path before (a layer's tar
 * order): the last directory found is kept, so such a path costs one map lookup, not a walk from the root.
 * Only while the tree does not change.
 */
export function lookupInRun(root: UnionNode): (path: string) => UnionNode | null {
  let dirPath: string | null = null;
  let dir: UnionNode | null = null;
  return (path) => {
    const slash = path.lastIndexOf('/');
    if (slash === -1) return lookup(root, path);
    if (!(dirPath !== null && slash === dirPath.length && path.startsWith(dirPath))) {
      dirPath = path.slice(0, slash);
      dir = lookup(root, dirPath);
    }
    return dir?.children?.get(path.slice(slash + 1)) ?? null;
  };
}

/** Visits a node and everything beneath it, parents first. */
export function forEachBelow(node: UnionNode, visit: (n: UnionNode) => void): void {
  visit(node);
  if (node.children) for (const child of node.children.values()) forEachBelow(child, visit);
}

/**
 * Applies one layer to the merged tree, as Docker's overlay applier does: opaque markers and whiteouts
 * hide what lower layers put there (never what this layer adds), then entries are written in tar order.
 */
export function applyLayer(root: UnionNode, layers: readonly LayerIndex[], layerNo: number, where: (entry: number) => string): void {
  const index = layers[layerNo];
  const { kinds, paths, count } = index;
  const hidden: UnionNode[] = [];
  // Whiteouts of nothing: valid (Docker loads such a layer); what they leave is their directory.
  const ofNothing: string[] = [];
  if (index.stats.whiteouts > 0) {
    // Checked against the tree below this layer, before any of its own markers apply.
    for (let i = 0; i < count; i++) {
      if (kinds[i] !== EntryKind.whiteout) continue;
      const node = lookup(root, paths[i]);
      if (node) hidden.push(node);
      else ofNothing.push(paths[i]);
    }
  }
  if (index.stats.opaqueWhiteouts > 0) {
    for (let i = 0; i < count; i++) {
      if (kinds[i] !== EntryKind.opaque) continue;
      const dir = lookup(root, paths[i]);
      dir?.children?.clear();
    }
  }
  for (const node of hidden) {
    // Skip nodes an earlier marker of this layer already took away (same path twice, or inside an opaque dir).
    if (node.parent?.children?.get(node.name) === node) node.parent.children.delete(node.name);
  }
  // Docker's applier makes a whiteout's directory as it makes any entry's: it is there after the layer.
  for (const path of ofNothing) impliedDirectory(root, path, layerNo);
  const lastParent: LastParent = { path: null, node: root };
  for (let i = 0; i < count; i++) {
    const kind = kinds[i];
    if (kind === EntryKind.whiteout || kind === EntryKind.opaque) continue;
    writeEntry(root, layers, layerNo, i, where, lastParent);
  }
}

/**
 * The directory `path` lies in (everything before its last '/'), walked to from the root, creating the
 * directories the layer implies but never lists: missing, or a non-directory in the way, Docker makes them.
 */
function impliedDirectory(root: UnionNode, path: string, layerNo: number): UnionNode {
  let parent = root;
  let start = 0;
  for (;;) {
    const slash = path.indexOf('/', start);
    if (slash === -1) return parent;
    const name = path.slice(start, slash);
    let next = parent.children!.get(name);
    if (!next || !next.children) {
      next = { name, parent, children: new Map(), layer: layerNo, entry: IMPLIED, srcLayer: layerNo, srcEntry: IMPLIED };
      parent.children!.set(name, next);
    }
    parent = next;
    start = slash + 1;
  }
}

/** The directory the last entry was written into: a tar lists a directory's entries together. */
interface LastParent {
  path: string | null;
  node: UnionNode;
}

function writeEntry(root: UnionNode, layers: readonly LayerIndex[], layerNo: number, i: number, where: (entry: number) => string, lastParent: LastParent): void {
  const index = layers[layerNo];
  const path = index.paths[i];
  const kind = index.kinds[i];
  let srcLayer = layerNo;
  let srcEntry = i;
  if (kind === EntryKind.hardlink) {
    const targetPath = index.links.get(i)!;
    const target = lookup(root, targetPath);
    if (!target || target.children) {
      throw new FathomError(`${where(i)}: hard link ${JSON.stringify(path)} → ${JSON.stringify(targetPath)}, which ${target ? 'is a directory' : 'does not exist at this point'}`);
    }
    srcLayer = target.srcLayer;
    srcEntry = target.srcEntry;
  }
  const nameStart = path.lastIndexOf('/') + 1;
  let parent = root;
  if (nameStart > 0 && lastParent.path !== null && nameStart === lastParent.path.length + 1 && path.startsWith(lastParent.path)) {
    parent = lastParent.node;
  } else if (nameStart > 0) {
    parent = impliedDirectory(root, path, layerNo);
    lastParent.path = path.slice(0, nameStart - 1);
    lastParent.node = parent;
  }
  const name = nameStart === 0 ? path : path.slice(nameStart);
  const existing = parent.children!.get(name);
  if (existing && existing.children && kind === EntryKind.dir) {
    // A directory over a directory keeps its contents and takes the new metadata.
    existing.layer = layerNo;
    existing.entry = i;
    existing.srcLayer = layerNo;
    existing.srcEntry = i;
    return;
  }
  // A directory replaced by a non-directory: the remembered parent may be in the tree that goes with it.
  if (existing?.children) lastParent.path = null;
  parent.children!.set(name, {
    name,
    parent,
    children: kind === EntryKind.dir ? new Map() : null,
    layer: layerNo,
    entry: i,
    srcLayer,
    srcEntry,
  });
}
