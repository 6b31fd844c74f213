import { EntryKind, type FileTypeName, KIND_NAMES, formatMode } from '../model/entry.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { IMPLIED, forEachBelow, lookup, nodePath, type UnionNode } from './union-tree.js';

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
export const METADATA_DIFFS = Diff.mode | Diff.uid | Diff.gid;

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
  const sizeBytes = kind === EntryKind.hardlink ? layers[srcLayer].sizes[srcEntry] : index.sizes[entry];
  return {
    type: KIND_NAMES[kind] as FileTypeName,
    sizeBytes,
    mode: formatMode(index.modes[entry]),
    uid: index.uids[entry],
    gid: index.gids[entry],
    linkTarget: link === null ? null : kind === EntryKind.hardlink ? `/${link}` : link,
  };
}

/** Hard links compare as the files they share content with. */
function effectiveKind(index: LayerIndex, entry: number): number {
  if (entry === IMPLIED) return EntryKind.dir;
  const k = index.kinds[entry];
  return k === EntryKind.hardlink ? EntryKind.file : k;
}

function diffBits(layers: readonly LayerIndex[], layer: number, entry: number, srcLayer: number, srcEntry: number, before: UnionNode): number {
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
  const oldMode = b && before.entry !== IMPLIED ? b.modes[before.entry] : IMPLIED_DIR_MODE;
  const oldUid = b && before.entry !== IMPLIED ? b.uids[before.entry] : 0;
  const oldGid = b && before.entry !== IMPLIED ? b.gids[before.entry] : 0;
  const newMode = entry === IMPLIED ? IMPLIED_DIR_MODE : a.modes[entry];
  if (newMode !== oldMode) bits |= Diff.mode;
  if ((entry === IMPLIED ? 0 : a.uids[entry]) !== oldUid) bits |= Diff.uid;
  if ((entry === IMPLIED ? 0 : a.gids[entry]) !== oldGid) bits |= Diff.gid;
  return bits;
}

/**
 * What layer `layerNo` does to the tree below it (`before` = the union of layers 0..layerNo-1):
 * each path it writes is added, modified (with what differs) or unmodified; each path it hides —
 * by whiteout, opaque directory, or a directory replaced by a non-directory — is removed.
 */
export function layerChanges(before: UnionNode, layers: readonly LayerIndex[], layerNo: number): LayerChange[] {
  const index = layers[layerNo];
  const { count, kinds, paths } = index;
  const lastWrite = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const k = kinds[i];
    if (k !== EntryKind.whiteout && k !== EntryKind.opaque) lastWrite.set(paths[i], i);
  }
  const changes: LayerChange[] = [];
  const hidden: UnionNode[] = [];
  for (const [path, i] of lastWrite) {
    const prior = lookup(before, path);
    let srcLayer = layerNo;
    let srcEntry = i;
    if (kinds[i] === EntryKind.hardlink) {
      // Content comes from the link target, as it stood when the link was made.
      const target = lookup(before, index.links.get(i)!);
      const targetWrite = lastWrite.get(index.links.get(i)!);
      if (targetWrite !== undefined) srcEntry = targetWrite;
      else if (target) {
        srcLayer = target.srcLayer;
        srcEntry = target.srcEntry;
      }
    }
    if (!prior || prior === before) {
      changes.push({ path, change: 'added', diff: 0, layer: layerNo, entry: i, srcLayer, srcEntry });
      continue;
    }
    const bits = diffBits(layers, layerNo, i, srcLayer, srcEntry, prior);
    changes.push({ path, change: bits ? 'modified' : 'unmodified', diff: bits, layer: layerNo, entry: i, srcLayer, srcEntry });
    if (prior.children && kinds[i] !== EntryKind.dir) for (const child of prior.children.values()) hidden.push(child);
  }
  for (let i = 0; i < count; i++) {
    if (kinds[i] === EntryKind.whiteout) {
      const node = lookup(before, paths[i]);
      if (node && node !== before) hidden.push(node);
    } else if (kinds[i] === EntryKind.opaque) {
      const dir = lookup(before, paths[i]);
      if (dir?.children) for (const child of dir.children.values()) hidden.push(child);
    }
  }
  if (hidden.length > 0) {
    // A hidden path the layer writes again, or that holds a path it writes, is not gone.
    const keep = new Set<string>();
    for (const path of lastWrite.keys()) {
      keep.add(path);
      for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) keep.add(path.slice(0, slash));
    }
    const seen = new Set<UnionNode>();
    for (const top of hidden) {
      forEachBelow(top, (node) => {
        if (seen.has(node)) return;
        seen.add(node);
        const path = nodePath(node);
        if (keep.has(path)) return;
        changes.push({ path, change: 'removed', diff: 0, layer: node.layer, entry: node.entry, srcLayer: node.srcLayer, srcEntry: node.srcEntry });
      });
    }
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return changes;
}

export function countChanges(changes: readonly LayerChange[]): { added: number; modified: number; removed: number } {
  let added = 0;
  let modified = 0;
  let removed = 0;
  for (const c of changes) {
    if (c.change === 'added') added++;
    else if (c.change === 'modified') modified++;
    else if (c.change === 'removed') removed++;
  }
  return { added, modified, removed };
}

/** Says which of content and metadata a modification touched: "content", "metadata", "type", "content+metadata". */
export function describeDiff(bits: number): string {
  if (bits & Diff.type) return 'type';
  const parts: string[] = [];
  if (bits & (Diff.content | Diff.link)) parts.push('content');
  if (bits & METADATA_DIFFS) parts.push('metadata');
  return parts.join('+');
}
