import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DiveAccumulator, diveEfficiency } from '../../src/analysis/dive-efficiency.js';
import { DuplicateContentAccumulator } from '../../src/analysis/duplicate-content.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { diveEfficiencyReference } from '../helpers/dive-reference.js';
import { modelOf, type TestEntry } from '../helpers/layers.js';
import { changeRows, unionRows } from '../../src/report/inspect-report.js';

/** The naive reference: a flat map of paths, each layer applied by the OCI rules, no trees. */
type RefEntry = { type: 'file' | 'dir' | 'symlink' | 'hardlink'; size: number; mode: string; link: string | null };

function removeTree(state: Map<string, RefEntry>, path: string, keepSelf = false) {
  for (const key of [...state.keys()]) {
    if ((!keepSelf && key === path) || key.startsWith(`${path}/`)) state.delete(key);
  }
}

const entryPath = (e: TestEntry) => ('file' in e ? e.file : 'dir' in e ? e.dir : 'symlink' in e ? e.symlink : 'hardlink' in e ? e.hardlink : 'whiteout' in e ? e.whiteout : e.opaque);

/**
 * The stack's layers without entries written through a symlink the same layer made before them: those
 * land elsewhere (see LayerWritePaths, tested on its own and against Docker), which this flat reference
 * does not model.
 */
function withoutWritesThrough(layer: TestEntry[]): TestEntry[] {
  const symlinks = new Set<string>();
  return layer.filter((e) => {
    const parts = entryPath(e).split('/');
    for (let i = 1; i < parts.length; i++) if (symlinks.has(parts.slice(0, i).join('/'))) return false;
    if ('symlink' in e) symlinks.add(e.symlink);
    return true;
  });
}

function applyReference(state: Map<string, RefEntry>, rawLayer: TestEntry[]): TestEntry[] {
  const layer = withoutWritesThrough(rawLayer);
  const kept: TestEntry[] = [];
  const lower = new Map(state);
  // Opaque markers and whiteouts hide only what lower layers hold, so they go first.
  for (const e of layer) {
    if ('opaque' in e && state.get(e.opaque)?.type === 'dir') {
      removeTree(state, e.opaque, true);
      kept.push(e);
    }
  }
  for (const e of layer) {
    if ('whiteout' in e && lower.has(e.whiteout)) {
      if (state.has(e.whiteout)) removeTree(state, e.whiteout);
      kept.push(e);
    }
  }
  for (const e of layer) {
    if ('whiteout' in e || 'opaque' in e) continue;
    const path = 'file' in e ? e.file : 'dir' in e ? e.dir : 'symlink' in e ? e.symlink : e.hardlink;
    let entry: RefEntry;
    if ('hardlink' in e) {
      const target = state.get(e.target);
      if (!target || (target.type !== 'file' && target.type !== 'hardlink') || e.target === path) continue;
      entry = { type: 'hardlink', size: target.size, mode: target.mode, link: `/${e.target}` };
    } else if ('file' in e) entry = { type: 'file', size: (e.content ?? '').length, mode: (e.mode ?? 0o644).toString(8).padStart(4, '0'), link: null };
    else if ('dir' in e) entry = { type: 'dir', size: 0, mode: '0755', link: null };
    else entry = { type: 'symlink', size: 0, mode: '0777', link: e.target };
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = state.get(parent);
      if (!existing || existing.type !== 'dir') {
        removeTree(state, parent);
        state.set(parent, { type: 'dir', size: 0, mode: '0755', link: null });
      }
    }
    const existing = state.get(path);
    if (existing?.type === 'dir' && entry.type === 'dir') state.set(path, entry);
    else {
      removeTree(state, path);
      state.set(path, entry);
    }
    kept.push(e);
  }
  return kept;
}

const name = fc.constantFrom('a', 'b', 'c');
const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const entry: fc.Arbitrary<TestEntry> = fc.oneof(
  fc.record({ file: path, content: fc.string({ maxLength: 12 }), mode: fc.constantFrom(0o644, 0o600, 0o4755) }),
  fc.record({ dir: path }),
  fc.record({ symlink: path, target: fc.constantFrom('a', '../b', '/c/a', 'nowhere') }),
  fc.record({ hardlink: path, target: path }),
  fc.record({ whiteout: path }),
  fc.record({ opaque: path }),
);

/** dive's figures gathered as a first open gathers them: layer by layer, the whiteouts learnt on the way. */
function diveLayerByLayer(layers: readonly LayerIndex[]) {
  const dive = new DiveAccumulator(null);
  for (const index of layers) dive.push(index);
  return dive.finish();
}

/** The oracle for identical content: every regular file of every layer, grouped by its bytes. */
function duplicatesReference(layers: TestEntry[][]) {
  const groups = new Map<string, { first: number; size: number; paths: Set<string> }>();
  let seen = 0;
  for (const layer of layers) {
    for (const e of layer) {
      seen++;
      if (!('file' in e) || !e.content) continue;
      let group = groups.get(e.content);
      if (!group) groups.set(e.content, (group = { first: seen, size: Buffer.byteLength(e.content), paths: new Set() }));
      group.paths.add(e.file);
    }
  }
  const shared = [...groups.values()].filter((g) => g.paths.size >= 2).map((g) => ({ ...g, extra: g.size * (g.paths.size - 1) }));
  shared.sort((a, b) => b.extra - a.extra || a.first - b.first);
  return {
    shown: shared.slice(0, 100).map((g) => ({ sizeBytes: g.size, pathCount: g.paths.size, paths: [...g.paths].sort().slice(0, 20).map((p) => `/${p}`), extraBytes: g.extra })),
    groups: shared.length,
    extraBytes: shared.reduce((n, g) => n + g.extra, 0),
  };
}

describe('dive efficiency (property)', () => {
  it('the lean analysis gives dive\'s numbers, as dive\'s own tree-by-tree way computes them', async () => {
    // Whiteouts of directories, opaque markers, implied parents, a path rewritten: every rule that moves the numbers.
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entry, { maxLength: 10 }), { minLength: 1, maxLength: 6 }), async (stack) => {
        const state = new Map<string, RefEntry>();
        const model = await modelOf(stack.map((layer) => applyReference(state, layer)));
        const reference = diveEfficiencyReference(model.layers);
        expect(diveEfficiency(model.layers)).toEqual(reference);
        expect(diveLayerByLayer(model.layers)).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });
});

describe('identical content at different paths (property)', () => {
  it('layer by layer, equals grouping every file by its bytes', async () => {
    const content = fc.constantFrom('', 'x', 'y', 'xy', 'yx', 'abc', 'abd');
    const file = fc.record({ file: path, content });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.oneof(file, file, entry), { maxLength: 10 }), { minLength: 1, maxLength: 5 }), async (stack) => {
        const state = new Map<string, RefEntry>();
        const layers = stack.map((layer) => applyReference(state, layer));
        const model = await modelOf(layers);
        const duplicates = new DuplicateContentAccumulator();
        for (const index of model.layers) duplicates.push(index);
        expect(duplicates.finish()).toEqual(duplicatesReference(layers));
      }),
      { numRuns: 300 },
    );
  });
});

describe('union resolver (property)', () => {
  it('equals a naive reference that applies the layers one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entry, { maxLength: 8 }), { minLength: 1, maxLength: 5 }), async (stack) => {
        const state = new Map<string, RefEntry>();
        const layers = stack.map((layer) => applyReference(state, layer));
        const model = await modelOf(layers);
        const got = new Map(unionRows(model, model.layerCount - 1).map((r) => [r.path.slice(1), { type: r.type, size: r.sizeBytes, mode: r.mode, link: r.linkTarget }]));
        expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...state].sort()));
      }),
      { numRuns: 300 },
    );
  });

  it('each layer\'s change set turns the union below it into the union at it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entry, { maxLength: 8 }), { minLength: 2, maxLength: 5 }), async (stack) => {
        const state = new Map<string, RefEntry>();
        const model = await modelOf(stack.map((layer) => applyReference(state, layer)));
        for (let n = 1; n < model.layerCount; n++) {
          const below = new Set(unionRows(model, n - 1).map((r) => r.path));
          const at = new Set(unionRows(model, n).map((r) => r.path));
          for (const c of changeRows(model, n)) {
            if (c.change === 'removed') {
              expect(below.has(c.path)).toBe(true);
              below.delete(c.path);
            } else {
              expect(at.has(c.path)).toBe(true);
              expect(below.has(c.path)).toBe(c.change !== 'added');
              below.add(c.path);
            }
          }
          // What is left over are implied parent directories the layer made.
          for (const p of below) expect(at.has(p)).toBe(true);
          for (const p of at) if (!below.has(p)) expect(unionRows(model, n).find((r) => r.path === p)!.type).toBe('dir');
        }
        // The layer list's counts (judged without listing) are the change sets' counts.
        model.layerSummaries.forEach((summary, n) => {
          const listed = model.changesAt(n);
          expect([summary.added, summary.modified, summary.removed]).toEqual(['added', 'modified', 'removed'].map((k) => listed.filter((c) => c.change === k).length));
        });
      }),
      { numRuns: 200 },
    );
  });
});
