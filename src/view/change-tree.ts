import type { LiveChange } from '../model/change-feed.js';

export interface ChangeRow {
  path: string;
  name: string;
  guides: string;
  change: LiveChange | null;
  /** Changed within the highlight window: new, or grown/shrunk. */
  recent: boolean;
}

interface Node {
  name: string;
  path: string;
  change: LiveChange | null;
  children: Map<string, Node>;
}

/** A container's changes as a tree (parents implied where docker diff doesn't list them). */
export function changeTreeRows(changes: readonly LiveChange[], now: number, highlightMs = 3000): ChangeRow[] {
  const root: Node = { name: '', path: '', change: null, children: new Map() };
  for (const c of changes) {
    let node = root;
    const parts = c.path.split('/').filter(Boolean);
    parts.forEach((part, i) => {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, path: `${node.path}/${part}`, change: null, children: new Map() };
        node.children.set(part, child);
      }
      node = child;
      if (i === parts.length - 1) node.change = c;
    });
  }
  const rows: ChangeRow[] = [];
  const emit = (node: Node, prefix: string) => {
    const kids = [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      rows.push({ path: k.path, name: k.name, guides: `${prefix}${last ? '└── ' : '├── '}`, change: k.change, recent: k.change !== null && now - k.change.lastChanged < highlightMs });
      emit(k, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  emit(root, '');
  return rows;
}

export function countKinds(changes: readonly LiveChange[]): { A: number; C: number; D: number } {
  const out = { A: 0, C: 0, D: 0 };
  for (const c of changes) out[c.kind]++;
  return out;
}

/** The files that account for the writable layer's size, largest first. */
export function largestWritable(changes: readonly LiveChange[], n: number): LiveChange[] {
  return changes
    .filter((c) => c.kind !== 'D' && c.type === 'file' && (c.sizeBytes ?? 0) > 0)
    .sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0))
    .slice(0, n);
}
