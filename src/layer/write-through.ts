import { FathomError } from '../errors.js';
import { EntryKind } from '../model/entry.js';

/** Symlinks followed while resolving one path, at most (the kernel's own limit). */
const MAX_HOPS = 40;

/**
 * Where each entry of one layer lands, as Docker's applier puts it: the layer is unpacked into its own
 * directory (chrooted there), so a parent that is a symlink this layer made earlier is followed — inside
 * the layer's root, never outside it (an absolute target starts at the root, ".." stops there) — and the
 * entry is written at the real path. A symlink from a lower layer is not there when the layer is unpacked:
 * Docker makes a real directory in its place, and so does the union (see applyLayer).
 */
export class LayerWritePaths {
  /** This layer's symlinks so far, by path: only these are followed. */
  private readonly symlinks = new Map<string, string>();
  /** This layer's directories so far, listed or implied by an entry beneath them. */
  private readonly dirs = new Set<string>();
  /** The last parent seen and what it resolved to: a tar lists a directory's entries together. */
  private lastParent: string | null = null;
  private lastResolved: { dir: string; through: string | null } = { dir: '', through: null };

  constructor(private readonly where: string) {}

  /**
   * The path an entry is written at, and the first symlink its tar name went through (null when none).
   * Then records the entry, so later ones can go through it.
   */
  place(path: string, kind: EntryKind, link: string | null): { path: string; through: string | null } {
    const slash = path.lastIndexOf('/');
    let placed = path;
    let through: string | null = null;
    if (slash > 0) {
      const parent = path.slice(0, slash);
      if (parent !== this.lastParent) {
        this.lastParent = parent;
        this.lastResolved = this.symlinks.size === 0 ? { dir: parent, through: null } : this.resolveDir(parent, path);
        this.addDirs(this.lastResolved.dir);
      }
      through = this.lastResolved.through;
      if (through !== null) placed = this.lastResolved.dir === '' ? path.slice(slash + 1) : `${this.lastResolved.dir}/${path.slice(slash + 1)}`;
    }
    // What this entry is now decides what later entries meet at its path.
    if (kind === EntryKind.symlink && link !== null) this.symlinks.set(placed, link);
    else if (this.symlinks.size > 0) this.symlinks.delete(placed);
    if (kind === EntryKind.dir) this.dirs.add(placed);
    // A new symlink or directory can change what a parent resolves to.
    if (kind === EntryKind.symlink || kind === EntryKind.dir) this.lastParent = null;
    return { path: placed, through };
  }

  private addDirs(dir: string): void {
    for (let d = dir; d !== '' && !this.dirs.has(d); d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) this.dirs.add(d);
  }

  private resolveDir(parent: string, entry: string): { dir: string; through: string | null } {
    const state = { hops: 0, through: null as string | null };
    const dir = this.resolve(parent.split('/'), state, entry).join('/');
    return { dir, through: state.through === null ? null : `/${state.through}` };
  }

  private resolve(components: string[], state: { hops: number; through: string | null }, entry: string): string[] {
    let dir: string[] = [];
    for (const c of components) {
      if (c === '' || c === '.') continue;
      if (c === '..') {
        dir.pop(); // stops at the root: the layer's root is the whole world while it is unpacked
        continue;
      }
      const candidate = dir.length ? `${dir.join('/')}/${c}` : c;
      const target = this.symlinks.get(candidate);
      if (target === undefined) {
        dir.push(c);
        continue;
      }
      if (++state.hops > MAX_HOPS) throw new FathomError(`${this.where}: entry ${JSON.stringify(entry)}: too many symlinks in its path (a loop)`);
      state.through ??= candidate;
      const resolved = this.resolve([...(target.startsWith('/') ? [] : dir), ...target.split('/')], state, entry);
      const real = resolved.join('/');
      // Docker's applier opens the path through the link: where it leads must be a directory of this layer.
      if (real !== '' && !this.dirs.has(real)) {
        throw new FathomError(
          `${this.where}: entry ${JSON.stringify(entry)} is written through the symlink /${candidate} → ${JSON.stringify(target)}, and this layer has no directory /${real} (Docker refuses such a layer: no such file or directory)`,
        );
      }
      dir = resolved;
    }
    return dir;
  }
}
