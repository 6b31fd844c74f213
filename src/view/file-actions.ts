import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { FathomError } from '../errors.js';
import { CONTENT_HASH_BYTES, HEAD_BYTES } from '../../store/layer-index.js';
import nodePath from 'node:path';
import { humanBytes, terminalSafe } from '../format.js';
import { unifiedDiff } from './text-diff.js';
import { readEntryContent, readEntryInVerifiedLayer } from '../layer/read-content.js';
import { EntryKind } from '../model/entry.js';
import type { ImageModel } from '../model/image-model.js';
import { lookup } from '../union/union-tree.js';
import type { LayerStore } from '../../store/store.js';
import { renderContent } from './content-view.js';
import { encodeName, hasEscapedBytes } from '../tar/name-bytes.js';
import { PANE_WORDS, type UiLang } from './chrome-text.js';

/** The viewer shows a file's first HEAD_BYTES: the part its own digest covers, so what is shown is checked. */
export const VIEWER_LIMIT = HEAD_BYTES;

/** The stored content entry for a path at a layer, or why there is none. */
function contentEntry(model: ImageModel, upTo: number, path: string): { layer: number; entry: number } | string {
  const node = lookup(model.unionAt(upTo), path.replace(/^\//, ''));
  if (!node) return `${path} is not present at layer ${upTo} (removed here: its content is in the layer that wrote it)`;
  if (node.srcEntry < 0 || model.layers[node.srcLayer].kinds[node.srcEntry] !== EntryKind.file) return `${path} is not a regular file`;
  return { layer: node.srcLayer, entry: node.srcEntry };
}

/**
 * A file's content out of the store, checked against the digests taken when its layer was read: an
 * archive edited in place since then (the store keeps a reference to it) can't pass other bytes off.
 * The first HEAD_BYTES are checked against the file's own digest; the whole of a big file against its
 * whole digest, or, where that was never taken, by reading it in a pass over its layer that must still
 * hash to the layer's diff ID.
 */
async function checkedContent(model: ImageModel, store: LayerStore, at: { layer: number; entry: number }, path: string, max?: number): Promise<Buffer> {
  const index = model.layers[at.layer];
  const size = index.sizes[at.entry];
  const diffId = model.record.layers[at.layer].diffId;
  const want = Math.min(size, max ?? size);
  const whole = want === size;
  const known = index.fullDigests.get(at.entry);
  const verifyLayer = whole && size > HEAD_BYTES && !known;
  let bytes: Buffer;
  try {
    bytes = verifyLayer ? await readEntryInVerifiedLayer(store, diffId, index.offsets[at.entry], size) : await readEntryContent(store, diffId, index.offsets[at.entry], size, max);
  } catch (e) {
    if (e instanceof FathomError && verifyLayer) throw new FathomError(`${path}: ${e.message.replace(/^layer \S+: /, `layer ${at.layer}: `)}`);
    throw e;
  }
  if (bytes.length < want) throw new FathomError(`${path}: layer ${at.layer} ends before the file does (the archive changed since it was read): open the image again from its source`);
  const changed = () => new FathomError(`${path}: its bytes in layer ${at.layer} are not the ones read when the image was opened (the archive changed since): open the image again from its source`);
  const digestOf = (b: Buffer) => createHash('sha256').update(b).digest().subarray(0, CONTENT_HASH_BYTES);
  if (size > 0 && bytes.length >= Math.min(size, HEAD_BYTES)) {
    const at16 = at.entry * CONTENT_HASH_BYTES;
    if (!digestOf(bytes.subarray(0, HEAD_BYTES)).equals(index.hashes.subarray(at16, at16 + CONTENT_HASH_BYTES))) throw changed();
  }
  if (whole && size > HEAD_BYTES) {
    const digest = digestOf(bytes);
    if (known && !digest.equals(known)) throw changed();
    if (!known) index.fullDigests.set(at.entry, Buffer.from(digest));
  }
  return bytes;
}

/** Text or hex lines for the viewer, capped at VIEWER_LIMIT bytes. */
export async function viewFile(model: ImageModel, store: LayerStore, upTo: number, path: string, width: number, lang: UiLang = 'en'): Promise<{ title: string; lines: string[] }> {
  const at = contentEntry(model, upTo, path);
  if (typeof at === 'string') return { title: at, lines: [] };
  const index = model.layers[at.layer];
  const size = index.sizes[at.entry];
  try {
    // What is shown is checked: the viewer's limit is the span every file's own digest covers.
    const bytes = await checkedContent(model, store, at, path, VIEWER_LIMIT);
    const shown = renderContent(bytes, size, width);
    return { title: PANE_WORDS[lang].viewTitle(path, humanBytes(size), shown.kind, shown.truncated ? humanBytes(VIEWER_LIMIT) : null), lines: shown.lines };
  } catch (e) {
    return { title: `${path}: ${(e as Error).message}`, lines: [] };
  }
}

export type ExtractResult = { kind: 'exists'; target: string } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

/** Writes one file's content to `target`; never overwrites unless told to. */
export async function extractFile(model: ImageModel, store: LayerStore, upTo: number, path: string, target: string, overwrite: boolean, lang: UiLang = 'en'): Promise<ExtractResult> {
  if (!target.trim()) return { kind: 'failed', message: 'extract: no target path given' };
  // lstat, not exists: a symlink there (dangling or not) is something to ask about, never to write through.
  if (lstatOrNull(onDisk(target)) && !overwrite) return { kind: 'exists', target };
  const at = contentEntry(model, upTo, path);
  if (typeof at === 'string') return { kind: 'failed', message: `extract: ${at}` };
  const index = model.layers[at.layer];
  const dir = nodePath.dirname(nodePath.resolve(target));
  if (!lstatOrNull(onDisk(dir))?.isDirectory()) return { kind: 'failed', message: `extract: cannot write ${target}: ${dir} is not a directory that exists` };
  let bytes: Buffer;
  try {
    bytes = await checkedContent(model, store, at, path);
  } catch (e) {
    return { kind: 'failed', message: `extract failed: ${(e as Error).message}` };
  }
  // Written beside the target and renamed over it: a symlink at the target is replaced, not followed,
  // and a failed write leaves no half file.
  const temp = nodePath.join(dir, `.${nodePath.basename(target)}.fathom-${process.pid}`);
  try {
    fs.writeFileSync(onDisk(temp), bytes, { mode: index.modes[at.entry] & 0o777, flag: 'wx' });
    fs.renameSync(onDisk(temp), onDisk(target));
    return { kind: 'done', message: PANE_WORDS[lang].extracted(path, target, humanBytes(bytes.length)) };
  } catch (e) {
    fs.rmSync(onDisk(temp), { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EROFS' ? 'read-only file system' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message);
    return { kind: 'failed', message: `extract: cannot write ${target}: ${why}` };
  }
}

/** A path for the file system: the default target keeps a name that is not UTF-8 as its bytes. */
function onDisk(p: string): string | Buffer {
  return hasEscapedBytes(p) ? encodeName(p) : p;
}

function lstatOrNull(p: string | Buffer): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

/** Text a diff can show: valid UTF-8 without NUL bytes. */
function asText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? text : null;
}

/**
 * A file that differs between two images, as `diff -u` of its contents at each image's top (both read from
 * the store and checked against their digests); binaries and files over the viewer's limit say so.
 */
export async function diffFile(a: ImageModel, b: ImageModel, store: LayerStore, path: string): Promise<{ title: string; lines: { mark: ' ' | '-' | '+' | '@'; text: string }[] }> {
  const at = [contentEntry(a, a.layerCount - 1, path), contentEntry(b, b.layerCount - 1, path)] as const;
  const bad = at.find((x): x is string => typeof x === 'string');
  if (bad) return { title: `${path}: ${bad.replace(`${path} `, '')}`, lines: [] };
  const [ea, eb] = at as [{ layer: number; entry: number }, { layer: number; entry: number }];
  const sizes = [a.layers[ea.layer].sizes[ea.entry], b.layers[eb.layer].sizes[eb.entry]];
  if (Math.max(...sizes) > 4 * VIEWER_LIMIT) return { title: `${path}: ${humanBytes(sizes[0])} and ${humanBytes(sizes[1])}, too big to diff here (the limit is ${humanBytes(4 * VIEWER_LIMIT)}); extract both and diff them`, lines: [] };
  try {
    const [ta, tb] = [asText(await checkedContent(a, store, ea, path)), asText(await checkedContent(b, store, eb, path))];
    if (ta === null || tb === null) return { title: `${path}: binary files differ (${humanBytes(sizes[0])} and ${humanBytes(sizes[1])})`, lines: [] };
    const split = (t: string) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
    const diff = unifiedDiff(split(ta), split(tb));
    if (diff === null) return { title: `${path}: the contents differ in too many lines to show a diff`, lines: [] };
    if (diff.length === 0) return { title: `${path}: the same content (what differs is its metadata)`, lines: [] };
    return { title: `${path}: A → B, as diff -u — ↑↓ scroll, esc closes`, lines: diff.map((l) => ({ ...l, text: terminalSafe(l.text) })) };
  } catch (e) {
    return { title: `${path}: ${(e as Error).message}`, lines: [] };
  }
}
