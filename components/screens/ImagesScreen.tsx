import { useEffect, useMemo, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { humanBytes, percent } from '../../src/format.js';
import type { AppIo, ImageListRow } from '../../src/view/app-io.js';
import { fit } from '../../src/view/format.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { scrollTo } from '../../src/view/image-view-state.js';
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
export function ImagesScreen({ io, keymap, theme, size, onQuit, onOpen, onContainers }: { io: AppIo; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void; onOpen: (source: string) => void; onContainers: () => void }) {
  const [rows, setRows] = useState<ImageListRow[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [cursor, setCursor] = useState(0);
  const [top, setTop] = useState(0);
  const [sort, setSort] = useState<Sort>('created');
  const [filter, setFilter] = useState('');
  const [typing, setTyping] = useState(false);
  useEffect(
    () =>
      io.watchImages((r, p) => {
        setRows(r);
        setProblem(p);
      }),
    [io],
  );
  const shown = useMemo(() => sortImages(rows, sort, filter), [rows, sort, filter]);
  const height = Math.max(3, size.rows - 5);
  const move = (to: number) => {
    const c = Math.max(0, Math.min(shown.length - 1, to));
    setCursor(c);
    setTop((t) => scrollTo(c, t, height));
  };
  useInput((input, key) => {
    if (typing) {
      if (key.return || key.escape) setTyping(false);
      else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
      else if (input && !key.ctrl) setFilter((f) => f + input);
      return;
    }
    const name = keyName(input, key);
    if (name === 's') return setSort((s) => SORTS[(SORTS.indexOf(s) + 1) % SORTS.length]);
    if (name === 'c') return onContainers();
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    if (action === 'up') return move(cursor - 1);
    if (action === 'down') return move(cursor + 1);
    if (action === 'page-up') return move(cursor - height);
    if (action === 'page-down') return move(cursor + height);
    if (action === 'top') return move(0);
    if (action === 'bottom') return move(shown.length - 1);
    if (action === 'filter-files') return setTyping(true);
    if (action === 'close') return setFilter('');
    if (action === 'open' && shown[cursor]) return onOpen(shown[cursor].source);
  });
  const w = size.columns;
  return (
    <Box flexDirection="column" width={w} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(`fathom  images (${shown.length}${filter ? ` matching "${filter}"` : ''})  sort:${sort}`, w)}
      </Text>
      {problem ? <Text color={theme.change.removed}>{fit(problem, w)}</Text> : null}
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
      <Text dimColor={theme.dim}>{fit(typing ? `filter: ${filter}█` : 'enter open  ↑↓ move  s sort  / filter  c containers  ? q quit', w)}</Text>
    </Box>
  );
}
