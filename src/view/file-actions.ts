import fs from 'node:fs';
import nodePath from 'node:path';
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
  // lstat, not exists: a symlink there (dangling or not) is something to ask about, never to write through.
  if (lstatOrNull(target) && !overwrite) return { kind: 'exists', target };
  const at = contentEntry(model, upTo, path);
  if (typeof at === 'string') return { kind: 'failed', message: `extract: ${at}` };
  const index = model.layers[at.layer];
  const dir = nodePath.dirname(nodePath.resolve(target));
  if (!lstatOrNull(dir)?.isDirectory()) return { kind: 'failed', message: `extract: cannot write ${target}: ${dir} is not a directory that exists` };
  let bytes: Buffer;
  try {
    bytes = await readEntryContent(store, model.record.layers[at.layer].diffId, index.offsets[at.entry], index.sizes[at.entry]);
  } catch (e) {
    return { kind: 'failed', message: `extract failed: ${(e as Error).message}` };
  }
  // Written beside the target and renamed over it: a symlink at the target is replaced, not followed,
  // and a failed write leaves no half file.
  const temp = nodePath.join(dir, `.${nodePath.basename(target)}.fathom-${process.pid}`);
  try {
    fs.writeFileSync(temp, bytes, { mode: index.modes[at.entry] & 0o777, flag: 'wx' });
    fs.renameSync(temp, target);
    return { kind: 'done', message: `extracted ${path} → ${target} (${humanBytes(bytes.length)})` };
  } catch (e) {
    fs.rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EROFS' ? 'read-only file system' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message);
    return { kind: 'failed', message: `extract: cannot write ${target}: ${why}` };
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}
