import { EntryKind, type FileTypeName, KIND_NAMES, formatMode } from '../model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { IMPLIED, applyLayer, forEachBelow, lookup, lookupInRun, nodePath, type UnionNode } from './union-tree.js';

export type ChangeKind = 'added' | 'modified' | 'removed' | 'unmodified';

/** What differs in a modified path; several may hold at once. */
export const Diff = {
  type: 1,
  content: 2,
  mode: 4,
  uid: 8,
  gid: 16,
  link: 32,
} as const;

/** One path a layer touched, and how. */
export interface LayerChange {
  path: string;
  change: ChangeKind;
  /** Diff bits; 0 unless modified. */
  diff: number;
  /** The entry now at the path, or (removed) the one that was hidden. */
  layer: number;
  entry: number;
  srcLayer: number;
  srcEntry: number;
}

/** A path's attributes as a person reads them, from the entry that wrote it. */
export interface EntryAttributes {
  type: FileTypeName;
  sizeBytes: number;
  mode: string;
  uid: number;
  gid: number;
  linkTarget: string | null;
}

const IMPLIED_DIR_MODE = 0o755;

export function attributesOf(layers: readonly LayerIndex[], layer: number, entry: number, srcLayer: number, srcEntry: number): EntryAttributes {
  if (entry === IMPLIED) return { type: 'dir', sizeBytes: 0, mode: formatMode(IMPLIED_DIR_MODE), uid: 0, gid: 0, linkTarget: null };
  const index = layers[layer];
  const kind = index.kinds[entry];
  const link = index.links.get(entry) ?? null;
  // A hard link is another name for its target's inode: size, mode and owner are the inode's.
  const inode = kind === EntryKind.hardlink ? layers[srcLayer] : index;
  const at = kind === EntryKind.hardlink ? srcEntry : entry;
  return {
    type: KIND_NAMES[kind] as FileTypeName,
    sizeBytes: inode.sizes[at],
    mode: formatMode(inode.modes[at]),
    uid: inode.uids[at],
    gid: inode.gids[at],
    linkTarget: link === null ? null : kind === EntryKind.hardlink ? `/${link}` : link,
  };
}

/** Mode and owner of what a path names: an implied directory's defaults, a hard link's inode. */
function ownership(layers: readonly LayerIndex[], layer: number, entry: number, srcLayer: number, srcEntry: number): { mode: number; uid: number; gid: number } {
  if (entry === IMPLIED || layer < 0) return { mode: IMPLIED_DIR_MODE, uid: 0, gid: 0 };
  const hard = layers[layer].kinds[entry] === EntryKind.hardlink;
  const index = hard ? layers[srcLayer] : layers[layer];
  const i = hard ? srcEntry : entry;
  return { mode: index.modes[i], uid: index.uids[i], gid: index.gids[i] };
}

/** Hard links compare as the files they share content with. */
function effectiveKind(index: LayerIndex, entry: number): number {
  if (entry === IMPLIED) return EntryKind.dir;
  const k = index.kinds[entry];
  return k === EntryKind.hardlink ? EntryKind.file : k;
}

function diffBits(layers: readonly LayerIndex[], layer: number, entry: number, srcLayer: number, srcEntry: number, before: Before): number {
  const a = layers[layer];
  const b = before.layer >= 0 ? layers[before.layer] : null;
  const newKind = effectiveKind(a, entry);
  const oldKind = b ? effectiveKind(b, before.entry) : EntryKind.dir;
  let bits = 0;
  if (newKind !== oldKind) {
    bits |= Diff.type;
  } else if (newKind === EntryKind.file) {
    if (!layers[srcLayer].sameContent(srcEntry, layers[before.srcLayer], before.srcEntry)) bits |= Diff.content;
  } else if (newKind === EntryKind.symlink) {
    if (a.links.get(entry) !== b!.links.get(before.entry)) bits |= Diff.link;
  } else if (newKind === EntryKind.char || newKind === EntryKind.block) {
    if (a.devices.get(entry) !== b!.devices.get(before.entry)) bits |= Diff.content;
  }
  const now = ownership(layers, layer, entry, srcLayer, srcEntry);
  const was = ownership(layers, before.layer, before.entry, before.srcLayer, before.srcEntry);
  if (now.mode !== was.mode) bits |= Diff.mode;
  if (now.uid !== was.uid) bits |= Diff.uid;
  if (now.gid !== was.gid) bits |= Diff.gid;
  return bits;
}

/** What a path was before a layer applied: enough to compare and to describe a removal. */
interface Before {
  layer: number;
  entry: number;
  srcLayer: number;
  srcEntry: number;
}

/** Receives each verdict of judgeLayer: the path (empty where the caller wants none), what happened, and the entry now there (or, removed, the one hidden). */
type Verdict = (path: string, change: ChangeKind, diff: number, at: Before) => void;

/**
 * `node` at `path` and everything below it, each added: a subtree that was not there before the layer.
 * Without `withPaths` the verdicts carry no path: a count needs none, and a path made for each of a
 * layer's new entries only to be dropped is garbage on the thread that stacks the layers.
 */
function allAdded(node: UnionNode, path: string, verdict: Verdict, withPaths: boolean): void {
  verdict(path, 'added', 0, node);
  if (node.children) for (const child of node.children.values()) allAdded(child, withPaths ? `${path}/${child.name}` : '', verdict, withPaths);
}

/**
 * Applies layer `layerNo` to `root` (the union of the layers below it) and judges what it did: every
 * path it wrote or implied is added, modified (with what differs) or unmodified; every path it hid —
 * by whiteout, opaque directory, or a directory replaced by something else — is removed. The verdicts
 * come from comparing the tree before and after, so odd tar orders within one layer cannot fool them.
 */
function judgeLayer(root: UnionNode, layers: readonly LayerIndex[], layerNo: number, where: (entry: number) => string, verdict: Verdict, withPaths = true): void {
  if (root.children!.size === 0) {
    // Nothing below (the first layer): every path the layer makes is added, and nothing else happened,
    // so there is no tree before it to remember. A base layer is often most of an image's entries.
    applyLayer(root, layers, layerNo, where);
    for (const child of root.children!.values()) allAdded(child, child.name, verdict, withPaths);
    return;
  }
  const index = layers[layerNo];
  const { count, kinds, paths } = index;
  const before = new Map<string, Before | null>();
  const find = lookupInRun(root);
  /** Records what is at `path` before the layer; returns the node there, or undefined if it was recorded already. */
  const remember = (path: string): UnionNode | null | undefined => {
    if (before.has(path)) return undefined;
    const node = find(path);
    before.set(path, node && node !== root ? { layer: node.layer, entry: node.entry, srcLayer: node.srcLayer, srcEntry: node.srcEntry } : null);
    return node;
  };
  // Every remembered path has its ancestors remembered too, so a walk up from a path stops at the first
  // ancestor already there: a deep tree costs its depth once, not once per entry (it was quadratic).
  const rememberAncestors = (path: string) => {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const ancestor = path.slice(0, slash);
      if (before.has(ancestor)) break;
      remember(ancestor);
    }
  };
  // The directory whose ancestors were all remembered last: the next entry in it needs none of that again.
  let lastParent: string | null = null;
  // Whether that directory was absent before the layer: then so was everything the layer puts in it, which
  // is not remembered one by one but said from the new subtree after the layer (see below). An upper
  // layer's entries are mostly in directories of its own.
  let lastParentNew = false;
  const rememberBelow = (node: UnionNode | null, includeSelf: boolean) => {
    if (!node || node === root) return;
    forEachBelow(node, (x) => {
      if (x !== node || includeSelf) {
        const path = nodePath(x);
        if (!before.has(path)) before.set(path, { layer: x.layer, entry: x.entry, srcLayer: x.srcLayer, srcEntry: x.srcEntry });
      }
    });
  };
  for (let i = 0; i < count; i++) {
    const kind = kinds[i];
    const path = paths[i];
    if (kind === EntryKind.whiteout) {
      // A whiteout of nothing still makes its directory (see applyLayer).
      rememberAncestors(path);
      rememberBelow(lookup(root, path), true);
    } else if (kind === EntryKind.opaque) {
      remember(path);
      rememberAncestors(path);
      rememberBelow(lookup(root, path), false);
    } else {
      const parentEnd = path.lastIndexOf('/');
      if (parentEnd <= 0) lastParentNew = false;
      else if (!(lastParent !== null && parentEnd === lastParent.length && path.startsWith(lastParent))) {
        rememberAncestors(path);
        lastParent = path.slice(0, parentEnd);
        lastParentNew = before.get(lastParent) === null;
      }
      if (lastParentNew) continue;
      const found = remember(path);
      // A directory replaced by a non-directory takes its whole subtree with it.
      if (kind !== EntryKind.dir) {
        const node = found === undefined ? find(path) : found;
        if (node?.children) rememberBelow(node, false);
      }
    }
  }
  applyLayer(root, layers, layerNo, where);
  const findNow = lookupInRun(root);
  for (const [path, was] of before) {
    if (!was) {
      // Absent before: the top of a new subtree, whose every node this layer made, or inside one (its top says it).
      const slash = path.lastIndexOf('/');
      if (slash > 0 && before.get(path.slice(0, slash)) === null) continue;
      const now = findNow(path);
      if (now) allAdded(now, path, verdict, withPaths);
      continue;
    }
    const now = findNow(path);
    if (!now) {
      verdict(path, 'removed', 0, was);
      continue;
    }
    if (now.layer !== layerNo) continue; // a lower-layer parent this layer only walked through
    const bits = diffBits(layers, now.layer, now.entry, now.srcLayer, now.srcEntry, was);
    verdict(path, bits ? 'modified' : 'unmodified', bits, now);
  }
}

/** Applies layer `layerNo` to `root` and lists what it did (see judgeLayer), sorted by path. */
export function applyLayerWithChanges(
  root: UnionNode,
  layers: readonly LayerIndex[],
  layerNo: number,
  where: (entry: number) => string,
): LayerChange[] {
  const changes: LayerChange[] = [];
  judgeLayer(root, layers, layerNo, where, (path, change, diff, at) => {
    changes.push({ path, change, diff, layer: at.layer, entry: at.entry, srcLayer: at.srcLayer, srcEntry: at.srcEntry });
  });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return changes;
}

/** Applies layer `layerNo` to `root` and counts what it did, listing nothing (a layer list's figures). */
export function applyLayerCountingChanges(
  root: UnionNode,
  layers: readonly LayerIndex[],
  layerNo: number,
  where: (entry: number) => string,
): { added: number; modified: number; removed: number } {
  const counts = { added: 0, modified: 0, removed: 0 };
  judgeLayer(
    root,
    layers,
    layerNo,
    where,
    (_path, change) => {
      if (change !== 'unmodified') counts[change]++;
    },
    false,
  );
  return counts;
}

/** The names of the differences a modified path has: "type", "content", "mode", "uid", "gid", "link". */
export function diffNames(bits: number): string[] {
  return (Object.keys(Diff) as (keyof typeof Diff)[]).filter((name) => bits & Diff[name]);
}
