import { noticeText } from '../../src/view/chrome-text.js';
import { describe, expect, it } from 'vitest';
import { modelOf } from '../helpers/layers.js';
import { buildDisplayTree } from '../../src/view/display-tree.js';
import { flattenTree, allDirectories } from '../../src/view/tree-rows.js';
import { editDraft, initialImageViewState, reduceImageView, layerAtRow, type ViewContext } from '../../src/view/image-view-state.js';
import { KeyMap, keyName, withOverrides } from '../../src/view/keys.js';
import { parseMouse } from '../../src/view/mouse.js';
import { permissionString, treeRowText } from '../../src/view/format.js';
import { renderContent } from '../../src/view/content-view.js';
import { instructionText, recordedInstruction } from '../../src/view/instruction.js';
import { changeTreeRows } from '../../src/view/change-tree.js';

const none = { added: false, modified: false, removed: false, unmodified: false };

describe('display tree and visible rows', () => {
  it('marks what a layer added, modified and removed against the layer below', async () => {
    const m = await modelOf([
      [{ dir: 'etc' }, { file: 'etc/keep', content: 'k' }, { file: 'etc/edit', content: 'old' }, { file: 'etc/gone', content: 'g' }],
      [{ file: 'etc/edit', content: 'new!' }, { whiteout: 'etc/gone' }, { file: 'etc/new', content: 'n' }],
    ]);
    const tree = buildDisplayTree(m.layers, m.unionAt(0), m.unionAt(1));
    const rows = [...flattenTree(tree, { collapsed: new Set(), hidden: none, filter: null, sort: 'name' })];
    expect(rows.map((r) => `${r.guides}${r.node.name}:${r.node.change}`)).toEqual([
      '└── etc:unmodified',
      '    ├── edit:modified',
      '    ├── gone:removed',
      '    ├── keep:unmodified',
      '    └── new:added',
    ]);
    expect(tree.counts).toMatchObject({ added: 1, modified: 1, removed: 1 });
    const onlyChanges = [...flattenTree(tree, { collapsed: new Set(), hidden: { ...none, unmodified: true }, filter: null, sort: 'name' })];
    expect(onlyChanges.map((r) => r.node.name)).toEqual(['etc', 'edit', 'gone', 'new']);
    const filtered = [...flattenTree(tree, { collapsed: new Set(), hidden: none, filter: /ne/, sort: 'name' })];
    expect(filtered.map((r) => r.path)).toEqual(['/etc', '/etc/gone', '/etc/new']);
    const folded = [...flattenTree(tree, { collapsed: new Set(['/etc']), hidden: none, filter: null, sort: 'name' })];
    expect(folded.map((r) => [r.path, r.collapsed])).toEqual([['/etc', true]]);
    // A filter opens folded directories that hold matches: its matches are what it is for.
    const foldedFiltered = [...flattenTree(tree, { collapsed: new Set(['/etc']), hidden: none, filter: /ne/, sort: 'name' })];
    expect(foldedFiltered.map((r) => r.path)).toEqual(['/etc', '/etc/gone', '/etc/new']);
    expect([...allDirectories(tree)]).toEqual(['/etc']);
    const bySize = [...flattenTree(tree, { collapsed: new Set(), hidden: none, filter: null, sort: 'size' })];
    expect(bySize[1].node.name).toBe('edit');
  });

  it('type changes, removed trees and their bytes, as the tree shows them', async () => {
    const m = await modelOf([
      [{ dir: 'd' }, { file: 'd/a', content: 'aaaa' }, { dir: 'd/sub' }, { file: 'd/sub/b', content: 'bb' }, { file: 'f', content: 'x' }, { dir: 'gone' }, { file: 'gone/c', content: 'ccc' }, { file: 'p', content: 'p', mode: 0o644 }],
      // d becomes a file, f becomes a directory, gone is deleted, p is only chmod'ed.
      [{ whiteout: 'd' }, { file: 'd', content: 'now a file' }, { whiteout: 'f' }, { dir: 'f' }, { file: 'f/in', content: 'iiiii' }, { whiteout: 'gone' }, { file: 'p', content: 'p', mode: 0o600 }],
    ]);
    const tree = buildDisplayTree(m.layers, m.unionAt(0), m.unionAt(1));
    const rows = [...flattenTree(tree, { collapsed: new Set(), hidden: none, filter: null, sort: 'name' })];
    expect(rows.map((r) => `${r.guides}${r.node.name}:${r.node.change}${r.node.what.length ? `(${r.node.what.join(',')})` : ''}:${r.node.totalBytes}`)).toEqual([
      '├── d:modified(type):10',
      '│   ├── a:removed:4',
      '│   └── sub:removed:2',
      '│       └── b:removed:2',
      '├── f:modified(type):5',
      '│   └── in:added:5',
      '├── gone:removed:3',
      '│   └── c:removed:3',
      '└── p:modified(mode):1',
    ]);
    expect(tree.counts).toMatchObject({ added: 1, modified: 3, removed: 5 });
    // The root counts what is there now: d (10) + f (5) + p (1); removed trees count only in themselves.
    expect(tree.root.totalBytes).toBe(16);
    expect(rows[0].node.isDir).toBe(true); // its removed contents fold like a directory's
    expect(rows[3].path).toBe('/d/sub/b');
    const bySize = [...flattenTree(tree, { collapsed: new Set(), hidden: none, filter: null, sort: 'size' })];
    expect(bySize.filter((r) => r.depth === 0).map((r) => r.node.name)).toEqual(['d', 'f', 'gone', 'p']);
    expect(flattenTree(tree, { collapsed: new Set(), hidden: none, filter: null, sort: 'name' }).indexOfPath('/gone/c')).toBe(7);
  });

  it('draws a row with permissions, owner, size and a symlink target', async () => {
    const m = await modelOf([[{ file: 'su', content: 'abc', mode: 0o4755 }, { symlink: 'ln', target: '/su' }]]);
    const rows = [...flattenTree(buildDisplayTree(m.layers, null, m.unionAt(0)), { collapsed: new Set(), hidden: none, filter: null, sort: 'name' })];
    expect(treeRowText(rows[0], true, false)).toBe('lrwxrwxrwx       0:0       0B  ├── ln → /su');
    expect(treeRowText(rows[1], true, true)).toBe('+ -rwsr-xr-x       0:0       3B  └── su');
    expect(permissionString('dir', '1777')).toBe('drwxrwxrwt');
    expect(permissionString('file', '6644')).toBe('-rwSr-Sr--');
  });
});

describe('image view reducer', () => {
  const ctx = (over: Partial<ViewContext> = {}): ViewContext => ({
    historyRows: 5,
    treeRows: 100,
    historyHeight: 3,
    treeHeight: 10,
    wasteRows: 0,
    cursorPath: '/etc',
    cursorIsDir: true,
    allDirectories: () => new Set(['/etc', '/usr']),
    ...over,
  });
  const history = [
    { createdBy: 'a', created: null, emptyLayer: false, layerIndex: 0, comment: null },
    { createdBy: 'ENV', created: null, emptyLayer: true, layerIndex: null, comment: null },
    { createdBy: 'b', created: null, emptyLayer: false, layerIndex: 1, comment: null },
  ];

  it('v on a directory, x on a directory and d in the files pane say why nothing opens; ctrl+u clears a prompt', () => {
    const tree = { ...initialImageViewState(history), focus: 'tree' as const };
    const said = (action: Parameters<typeof reduceImageView>[1], lang: 'en' | 'ko' = 'en') => noticeText(reduceImageView(tree, action, ctx()).message!, lang);
    expect(said('view-file')).toBe('/etc is a directory: v views a file (space folds a directory)');
    expect(said('extract-file')).toBe('/etc is a directory: x extracts a file');
    expect(said('details')).toMatch(/tab to the layers first/);
    // The demo's --lang ko words the same notices in Korean.
    expect(said('details', 'ko')).toBe('d는 레이어의 자세한 정보: 먼저 tab으로 레이어로');
    const typed = editDraft({ ...tree, overlay: 'filter', draft: 'some/regex' }, '', false, true);
    expect(typed.draft).toBe('');
    expect(editDraft({ ...tree, draft: '한국' }, '', true).draft).toBe('한');
  });

  it('the key list scrolls (it was cut at 80×24 and 120×35), and opens at its top', () => {
    let s = reduceImageView(initialImageViewState(history), 'help', ctx());
    expect(s).toMatchObject({ overlay: 'help', helpScroll: 0 });
    s = reduceImageView(reduceImageView(s, 'down', ctx()), 'page-down', ctx());
    expect(s.helpScroll).toBe(11);
    expect(s.historyCursor).toBe(0); // the layers behind it do not move
    s = reduceImageView(s, 'bottom', ctx());
    expect(s.helpScroll).toBeGreaterThan(1000); // clamped when drawn, to the list's own length
    s = reduceImageView(reduceImageView(s, 'close', ctx()), 'help', ctx());
    expect(s.helpScroll).toBe(0);
  });

  it('a metadata row shows the layer made before it', () => {
    expect(layerAtRow(history, 1)).toBe(0);
    expect(layerAtRow(history, 2)).toBe(1);
  });

  it('moves, scrolls, switches panes and toggles as dive does', () => {
    let s = initialImageViewState(history);
    s = reduceImageView(s, 'down', ctx());
    s = reduceImageView(s, 'down', ctx());
    s = reduceImageView(s, 'down', ctx());
    expect(s.historyCursor).toBe(3);
    expect(s.historyTop).toBe(1);
    s = reduceImageView(s, 'toggle-view', ctx());
    expect(s.focus).toBe('tree');
    s = reduceImageView(s, 'page-down', ctx());
    expect([s.treeCursor, s.treeTop]).toEqual([9, 0]);
    s = reduceImageView(s, 'bottom', ctx());
    expect([s.treeCursor, s.treeTop]).toEqual([99, 90]);
    s = reduceImageView(s, 'toggle-collapse-dir', ctx());
    expect([...s.collapsed]).toEqual(['/etc']);
    s = reduceImageView(s, 'toggle-collapse-all-dir', ctx());
    expect(s.collapsed.size).toBe(0);
    s = reduceImageView(s, 'toggle-added-files', ctx());
    expect(s.hidden.added).toBe(true);
    s = reduceImageView(s, 'toggle-sort-order', ctx());
    expect(s.sort).toBe('size');
    s = reduceImageView(s, 'toggle-view', ctx());
    s = reduceImageView(s, 'compare-all', ctx());
    expect(s.mode).toBe('aggregated');
    s = reduceImageView(s, 'compare-layer', ctx());
    expect(s.mode).toBe('layer');
    s = reduceImageView(s, 'waste', ctx());
    expect(s.overlay).toBe('waste');
    s = reduceImageView(s, 'close', ctx());
    expect(s.overlay).toBe('none');
  });

  it('opens the viewer and the extract prompt only on files', () => {
    let s = { ...initialImageViewState(history), focus: 'tree' as const };
    expect(reduceImageView(s, 'view-file', ctx()).overlay).toBe('none');
    s = reduceImageView(s, 'view-file', ctx({ cursorPath: '/etc/passwd', cursorIsDir: false }));
    expect(s.overlay).toBe('viewer');
    const x = reduceImageView({ ...s, overlay: 'none' }, 'extract-file', ctx({ cursorPath: '/etc/passwd', cursorIsDir: false }));
    expect([x.overlay, x.draft]).toEqual(['extract', './passwd']);
  });
});

describe('keys, mouse and small views', () => {
  it('resolves dive\'s scoped bindings: ctrl+a compares over layers, hides added over files', () => {
    const km = new KeyMap();
    expect(km.resolve(keyName('a', { ctrl: true }), 'layers')).toBe('compare-all');
    expect(km.resolve(keyName('a', { ctrl: true }), 'tree')).toBe('toggle-added-files');
    expect(km.resolve(keyName('', { tab: true }), 'tree')).toBe('toggle-view');
    expect(km.resolve(keyName('j', {}), 'layers')).toBe('down');
    expect(km.resolve(keyName(' ', {}), 'tree')).toBe('toggle-collapse-dir');
  });

  it('honours remapped keys from a config (dive names included)', () => {
    const km = new KeyMap(withOverrides({ 'toggle-added-files': 'ctrl+t', quit: ['ctrl+q'] }));
    expect(km.resolve('ctrl+t', 'tree')).toBe('toggle-added-files');
    expect(km.resolve('ctrl+a', 'tree')).toBeNull();
    expect(km.resolve('q', 'tree')).toBeNull();
    expect(km.resolve('ctrl+q', 'tree')).toBe('quit');
  });

  it('parses SGR mouse clicks and wheel', () => {
    expect(parseMouse('\u001b[<0;12;5M\u001b[<65;3;4M')).toEqual([
      { kind: 'click', x: 12, y: 5 },
      { kind: 'wheel', x: 3, y: 4, delta: 1 },
    ]);
  });

  it('shows text as text and binary as hex', () => {
    expect(renderContent(Buffer.from('hi\nthere'), 8, 80)).toEqual({ kind: 'text', lines: ['hi', 'there'], truncated: false });
    const bin = renderContent(Buffer.from([0, 1, 2, 65]), 100, 80);
    expect(bin.kind).toBe('binary');
    expect(bin.truncated).toBe(true);
    expect(bin.lines[0]).toBe(`00000000  ${'00 01 02 41'.padEnd(47)}  ...A`);
  });

  it('reads Dockerfile instructions out of history', () => {
    expect(instructionText('/bin/sh -c #(nop)  ENV X=1')).toBe('ENV X=1');
    expect(instructionText('/bin/sh -c apt-get update')).toBe('RUN apt-get update');
    // A base layer with no instruction but a comment says how it was made.
    expect(instructionText('', 'Imported from -')).toBe('(Imported from -)');
    expect(instructionText('')).toBe('(no instruction recorded)');
  });

  it('gives the whole recorded instruction for the line under the layers, or the comment where there is none', () => {
    expect(recordedInstruction('/bin/sh -c #(nop)  ENV X=1', 'ignored')).toBe('/bin/sh -c #(nop) ENV X=1');
    expect(recordedInstruction('', ' corpus busybox base (busybox-static) ')).toBe('(corpus busybox base (busybox-static))');
    expect(recordedInstruction('  ', null)).toBe('(no instruction recorded)');
  });

  it('draws a container\'s changes as a tree, highlighting recent ones', () => {
    const rows = changeTreeRows(
      [
        { path: '/etc', kind: 'C', type: 'dir', sizeBytes: 0, firstSeen: 0, lastChanged: 0 },
        { path: '/etc/motd', kind: 'D', type: 'file', sizeBytes: 0, firstSeen: 0, lastChanged: 0 },
        { path: '/new', kind: 'A', type: 'file', sizeBytes: 3, firstSeen: 9000, lastChanged: 9000 },
      ],
      10_000,
    );
    expect(rows.map((r) => `${r.guides}${r.name}${r.recent ? '*' : ''}`)).toEqual(['├── etc', '│   └── motd', '└── new*']);
  });
});
