import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { humanBytes, percent } from '../../src/format.js';
import type { AppIo, ImageListRow } from '../../src/view/app-io.js';
import { fit } from '../../src/view/format.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { listWindow, reduceList, type ListAction, type ListState } from '../../src/view/list-state.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';

type Sort = 'created' | 'size' | 'tag';
const SORTS: Sort[] = ['created', 'size', 'tag'];

export function sortImages(rows: readonly ImageListRow[], sort: Sort, filter: string): ImageListRow[] {
  const f = filter.toLowerCase();
  const kept = f ? rows.filter((r) => `${r.tag} ${r.id} ${r.source}`.toLowerCase().includes(f)) : [...rows];
  const by: Record<Sort, (a: ImageListRow, b: ImageListRow) => number> = {
    created: (a, b) => (b.created ?? 0) - (a.created ?? 0),
    size: (a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0),
    tag: (a, b) => a.tag.localeCompare(b.tag),
  };
  // Archives named on the command line are what the user asked about: they lead whatever the sort.
  const named = (r: ImageListRow) => (r.origin === 'archive' ? 0 : 1);
  return kept.sort((a, b) => named(a) - named(b) || by[sort](a, b));
}

function age(created: number | null): string {
  if (created === null) return '';
  const s = Date.now() / 1000 - created;
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))}m ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** The engine's, the store's and the command line's images: sort, filter, enter opens. */
export function ImagesScreen({ io, keymap, theme, size, onQuit, onOpen, onContainers, onAudit }: { io: AppIo; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void; onOpen: (source: string) => void; onContainers: () => void; onAudit: (sources: string[]) => void }) {
  const [rows, setRows] = useState<ImageListRow[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [list, setListRaw] = useState<ListState<Sort>>({ cursor: 0, top: 0, sort: 'created', filter: '', typing: false });
  // Keys can arrive faster than frames (a paste): each must see the state the key before it left.
  const listRef = useRef(list);
  useEffect(
    () =>
      io.watchImages((r, p) => {
        setRows(r);
        setProblem(p);
      }),
    [io],
  );
  const { sort, filter, typing } = list;
  const shown = useMemo(() => sortImages(rows, sort, filter), [rows, sort, filter]);
  const height = Math.max(3, size.rows - 5 - (problem ? 1 : 0) - (io.imagesNote ? 1 : 0));
  const { cursor, top } = listWindow(list, shown.length, height);
  // What a state shows: its own sort and filter over the rows (a key may have changed either).
  const shownBy = (st: ListState<Sort>) => sortImages(rows, st.sort, st.filter);
  const dispatch = (action: ListAction<Sort>) => {
    const s = listRef.current;
    const length = shownBy(s).length;
    const next = reduceList({ ...s, ...listWindow(s, length, height) }, action, length, height);
    listRef.current = { ...next, ...listWindow(next, shownBy(next).length, height) };
    setListRaw(listRef.current);
  };
  useKeys((input, key) => {
    const s = listRef.current;
    if (s.typing) {
      if (key.return || key.escape) dispatch({ kind: 'typing', on: false });
      else if (key.backspace || key.delete) dispatch({ kind: 'erase' });
      else if (key.ctrl && input === 'u') dispatch({ kind: 'clear-filter' });
      else if (input && !key.ctrl) dispatch({ kind: 'type', text: input });
      return;
    }
    const name = keyName(input, key);
    if (name === 's') return dispatch({ kind: 'sort', sort: SORTS[(SORTS.indexOf(s.sort) + 1) % SORTS.length] });
    if (name === 'c') return onContainers();
    // The audit covers what the list shows: every image, or those the filter kept.
    if (name === 'a' && shownBy(s).length > 0) return onAudit(shownBy(s).map((r) => r.source));
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    if (action === 'up') return dispatch({ kind: 'move', to: (c) => c - 1 });
    if (action === 'down') return dispatch({ kind: 'move', to: (c) => c + 1 });
    if (action === 'page-up') return dispatch({ kind: 'move', to: (c, h) => c - h });
    if (action === 'page-down') return dispatch({ kind: 'move', to: (c, h) => c + h });
    if (action === 'top') return dispatch({ kind: 'move', to: () => 0 });
    if (action === 'bottom') return dispatch({ kind: 'move', to: (_c, _h, n) => n - 1 });
    if (action === 'filter-files') return dispatch({ kind: 'typing', on: true });
    if (action === 'close') return dispatch({ kind: 'clear-filter' });
    const showing = shownBy(s);
    const current = showing[listWindow(s, showing.length, height).cursor];
    if (action === 'open' && current) return onOpen(current.source);
  });
  const w = size.columns;
  return (
    <Box flexDirection="column" width={w} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(`fathom  ${io.imagesTitle ?? 'images'} (${shown.length}${filter ? ` matching "${filter}"` : ''})  sort:${sort}`, w)}
      </Text>
      {problem ? <Text color={theme.change.removed}>{fit(problem, w)}</Text> : null}
      {io.imagesNote ? <Text dimColor={theme.dim}>{fit(io.imagesNote, w)}</Text> : null}
      <Text bold>{fit(`${'TAG'.padEnd(36)} ${'IMAGE ID'.padEnd(12)} ${'CREATED'.padStart(9)} ${'SIZE'.padStart(8)} ${'LAYERS'.padStart(6)} ${'EFFIC.'.padStart(7)}  FROM`, w)}</Text>
      {shown.length === 0 ? <Text dimColor={theme.dim}>{problem ? '' : 'no images yet'}</Text> : null}
      {shown.slice(top, top + height).map((r, i) => (
        <Text key={r.source} inverse={top + i === cursor}>
          {fit(
            `${theme.markers ? (top + i === cursor ? '>' : ' ') : ''}${r.tag.slice(0, 36).padEnd(36)} ${r.id.replace('sha256:', '').slice(0, 12).padEnd(12)} ${age(r.created).padStart(9)} ${(r.sizeBytes === null ? '' : humanBytes(r.sizeBytes)).padStart(8)} ${(r.layers === null ? '' : String(r.layers)).padStart(6)} ${(r.efficiency === null ? '' : percent(r.efficiency, 0)).padStart(7)}  ${r.origin}`,
            w,
          )}
        </Text>
      ))}
      <Text dimColor={theme.dim}>{fit(typing ? `filter: ${filter}█` : 'enter open  ↑↓ move  s sort  / filter  a audit these  c containers  ? q quit', w)}</Text>
    </Box>
  );
}
