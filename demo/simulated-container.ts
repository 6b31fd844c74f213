import { PANE_WORDS, type UiLang } from '../src/view/chrome-text.js';
import type { ImageModel } from '../src/model/image-model.js';
import { diffChanges, type ChangeFeed, type ContainerChange, type ContainerSizes, type FeedStatus, type FeedUpdate, type LiveChange } from '../src/model/change-feed.js';
import { attributesOf } from '../src/union/changes.js';
import { lookup } from '../src/union/union-tree.js';
import type { DemoEntry } from './images.js';

interface UpperFile {
  kind: 'file' | 'dir';
  size: number;
  text: string | null;
}

/**
 * A container that exists only in the demo: an image's union below, a writable layer above, and the
 * overlay rules between them (modifying a lower file copies it up whole; deleting one leaves a
 * whiteout). It feeds the same live-diff pane a real container does, and says it is simulated.
 */
export class SimulatedContainer implements ChangeFeed {
  readonly simulated = true;
  private readonly upper = new Map<string, UpperFile>();
  private readonly deleted = new Set<string>();
  private live = new Map<string, LiveChange>();
  private readonly listeners = new Set<(u: FeedUpdate | null) => void>();
  private clock = 1;

  constructor(
    private readonly image: ImageModel,
    readonly label: string,
    /** The language of its status line (the demo's --lang). */
    private readonly lang: UiLang = 'en',
  ) {}

  private lower(path: string) {
    const node = lookup(this.image.top, path.replace(/^\//, ''));
    if (!node) return null;
    return attributesOf(this.image.layers, node.layer, node.entry, node.srcLayer, node.srcEntry);
  }

  private exists(path: string): boolean {
    if (this.upper.has(path)) return true;
    if (this.deleted.has(path) || [...this.deleted].some((d) => path.startsWith(`${d}/`))) return false;
    return this.lower(path) !== null;
  }

  private ensureParents(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!this.upper.has(dir)) this.upper.set(dir, { kind: 'dir', size: 0, text: null });
      this.deleted.delete(dir);
    }
  }

  /** `echo ... > path`: a new file, or a whole new content for an existing one. */
  write(path: string, text: string): this {
    this.ensureParents(path);
    this.deleted.delete(path);
    this.upper.set(path, { kind: 'file', size: Buffer.byteLength(text), text });
    return this.publish();
  }

  /** `echo ... >> path`: the lower file is copied up whole first, then appended to. */
  append(path: string, text: string): this {
    const lowerSize = this.upper.get(path)?.size ?? this.lower(path)?.sizeBytes ?? 0;
    this.ensureParents(path);
    this.upper.set(path, { kind: 'file', size: lowerSize + Buffer.byteLength(text), text: null });
    return this.publish();
  }

  /** `touch path...` */
  touch(...paths: string[]): this {
    for (const p of paths) if (!this.exists(p)) this.write(p, '');
    return this.publish();
  }

  /** `rm -rf path` */
  remove(path: string): this {
    for (const key of [...this.upper.keys()]) if (key === path || key.startsWith(`${path}/`)) this.upper.delete(key);
    if (this.lower(path)) {
      this.deleted.add(path);
      this.ensureParents(path);
    }
    return this.publish();
  }

  /** What `docker diff` would print: A for new paths, C for changed ones (parents too), D for deleted ones. */
  changes(): ContainerChange[] {
    const out: ContainerChange[] = [];
    for (const [path, f] of this.upper) {
      const below = this.lower(path);
      out.push({ path, kind: below ? 'C' : 'A', type: f.kind, sizeBytes: f.kind === 'file' ? f.size : this.bytesBelow(path) });
    }
    for (const path of this.deleted) out.push({ path, kind: 'D', type: this.lower(path)?.type ?? null, sizeBytes: 0 });
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private bytesBelow(dir: string): number {
    let n = 0;
    for (const [p, f] of this.upper) if (f.kind === 'file' && p.startsWith(`${dir}/`)) n += f.size;
    return n;
  }

  /** The writable layer as layer entries: what `docker commit` would turn into the new image's top layer. */
  layerEntries(): DemoEntry[] {
    const entries: DemoEntry[] = [];
    for (const [path, f] of [...this.upper].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const rel = path.slice(1);
      if (f.kind === 'dir') entries.push({ dir: rel, mode: parseInt(this.lower(path)?.mode ?? '0755', 8) });
      else entries.push(f.text !== null ? { file: rel, text: f.text } : { file: rel, size: f.size, seed: 99 });
    }
    for (const path of [...this.deleted].sort()) entries.push({ whiteout: path.slice(1) });
    return entries;
  }

  snapshot(): LiveChange[] {
    return [...this.live.values()];
  }
  status(): FeedStatus {
    return { state: 'live', message: PANE_WORDS[this.lang].simulatedStatus };
  }
  sizes(): ContainerSizes {
    const writable = [...this.upper.values()].reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0);
    return { imageBytes: this.image.sizeBytes, writableBytes: writable, virtualBytes: this.image.sizeBytes + writable };
  }
  subscribe(listener: (u: FeedUpdate | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  stop(): void {
    this.listeners.clear();
  }

  private publish(): this {
    // A logical clock keeps the demo deterministic; the pane only compares times for "recent".
    const { next, update } = diffChanges(this.live, this.changes(), Date.now() + this.clock++);
    this.live = next;
    for (const l of this.listeners) l(update);
    return this;
  }
}
