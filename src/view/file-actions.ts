import fs from 'node:fs';
import { humanBytes } from '../format.js';
import { readEntryContent } from '../layer/read-content.js';
import { EntryKind } from '../model/entry.js';
import type { ImageModel } from '../model/image-model.js';
import { lookup } from '../union/union-tree.js';
import type { LayerStore } from '../../store/store.js';
import { renderContent } from './content-view.js';

export const VIEWER_LIMIT = 64 * 1024;

/** The stored content entry for a path at a layer, or why there is none. */
function contentEntry(model: ImageModel, upTo: number, path: string): { layer: number; entry: number } | string {
  const node = lookup(model.unionAt(upTo), path.replace(/^\//, ''));
  if (!node) return `${path} is not present at layer ${upTo} (removed here: its content is in the layer that wrote it)`;
  if (node.srcEntry < 0 || model.layers[node.srcLayer].kinds[node.srcEntry] !== EntryKind.file) return `${path} is not a regular file`;
  return { layer: node.srcLayer, entry: node.srcEntry };
}

/** Text or hex lines for the viewer, capped at VIEWER_LIMIT bytes. */
export async function viewFile(model: ImageModel, store: LayerStore, upTo: number, path: string, width: number): Promise<{ title: string; lines: string[] }> {
  const at = contentEntry(model, upTo, path);
  if (typeof at === 'string') return { title: at, lines: [] };
  const index = model.layers[at.layer];
  const size = index.sizes[at.entry];
  try {
    const bytes = await readEntryContent(store, model.record.layers[at.layer].diffId, index.offsets[at.entry], size, VIEWER_LIMIT);
    const shown = renderContent(bytes, size, width);
    return { title: `${path} (${humanBytes(size)}, ${shown.kind}${shown.truncated ? `, first ${humanBytes(VIEWER_LIMIT)}` : ''}) — ↑↓ scroll, esc closes`, lines: shown.lines };
  } catch (e) {
    return { title: `${path}: ${(e as Error).message}`, lines: [] };
  }
}

export type ExtractResult = { kind: 'exists'; target: string } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

/** Writes one file's content to `target`; never overwrites unless told to. */
export async function extractFile(model: ImageModel, store: LayerStore, upTo: number, path: string, target: string, overwrite: boolean): Promise<ExtractResult> {
  if (!target.trim()) return { kind: 'failed', message: 'extract: no target path given' };
  if (fs.existsSync(target) && !overwrite) return { kind: 'exists', target };
  const at = contentEntry(model, upTo, path);
  if (typeof at === 'string') return { kind: 'failed', message: `extract: ${at}` };
  const index = model.layers[at.layer];
  try {
    const bytes = await readEntryContent(store, model.record.layers[at.layer].diffId, index.offsets[at.entry], index.sizes[at.entry]);
    fs.writeFileSync(target, bytes, { mode: index.modes[at.entry] & 0o777 });
    return { kind: 'done', message: `extracted ${path} → ${target} (${humanBytes(bytes.length)})` };
  } catch (e) {
    return { kind: 'failed', message: `extract failed: ${(e as Error).message}` };
  }
}
