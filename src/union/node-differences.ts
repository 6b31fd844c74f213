import type { LayerIndex } from '../../store/layer-index.js';
import { EntryKind } from '../model/entry.js';
import { attributesOf, type EntryAttributes } from './changes.js';
import type { UnionNode } from './union-tree.js';

/** Where a node's content lives, when it is a regular file (hard links resolve to their inode). */
function contentOf(layers: readonly LayerIndex[], n: UnionNode): [number, number] | null {
  if (n.srcEntry < 0) return null;
  return layers[n.srcLayer].kinds[n.srcEntry] === EntryKind.file ? [n.srcLayer, n.srcEntry] : null;
}

/**
 * What differs between a path in one tree and the same path in another (possibly of another image):
 * "type", or any of "content", "link", "mode", "owner". Empty when they are the same.
 */
export function nodeDifferences(layersA: readonly LayerIndex[], a: UnionNode, layersB: readonly LayerIndex[], b: UnionNode, attrsA?: EntryAttributes, attrsB?: EntryAttributes): string[] {
  const x = attrsA ?? attributesOf(layersA, a.layer, a.entry, a.srcLayer, a.srcEntry);
  const y = attrsB ?? attributesOf(layersB, b.layer, b.entry, b.srcLayer, b.srcEntry);
  const kx = x.type === 'hardlink' ? 'file' : x.type;
  const ky = y.type === 'hardlink' ? 'file' : y.type;
  if (kx !== ky) return ['type'];
  const what: string[] = [];
  const ca = contentOf(layersA, a);
  const cb = contentOf(layersB, b);
  if (ca && cb && !layersA[ca[0]].sameContent(ca[1], layersB[cb[0]], cb[1])) what.push('content');
  if (x.type === 'symlink' && x.linkTarget !== y.linkTarget) what.push('link');
  if (x.mode !== y.mode) what.push('mode');
  if (x.uid !== y.uid || x.gid !== y.gid) what.push('owner');
  return what;
}
