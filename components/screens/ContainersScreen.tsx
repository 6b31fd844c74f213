import { useEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { humanBytes, terminalSafe } from '../../src/format.js';
import type { AppIo, ContainerDetail, ContainerListRow } from '../../src/view/app-io.js';
import { changeTreeRows, countKinds, largestWritable } from '../../src/view/change-tree.js';
import { fit } from '../../src/view/format.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { scrollTo } from '../../src/view/image-view-state.js';
import { barChart, textBars } from '../chart-adapter.js';
import { useFeed } from '../hooks/useFeed.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';

const KIND_CHANGE = { A: 'added', C: 'modified', D: 'removed' } as const;

/** The live diff of one container: its changes as a tree, its sizes side by side, its storage. */
export function ContainerDetailPane({ detail, width, height, theme, scroll }: { detail: ContainerDetail; width: number; height: number; theme: Theme; scroll: number }) {
  useFeed(detail.feed);
  const feed = detail.feed;
  const changes = feed.snapshot();
  const now = Date.now();
  const rows = changeTreeRows(changes, now);
  const counts = countKinds(changes);
  const sizes = feed.sizes();
  const status = feed.status();
  const chartWidth = Math.min(42, Math.max(24, Math.floor(width / 2) - 2));
  const chart = !sizes
    ? 'sizes: waiting for the engine…'
    : theme.name === 'no-color'
      ? textBars(['image', 'writable', 'virtual'], [sizes.imageBytes, sizes.writableBytes, sizes.virtualBytes], [humanBytes(sizes.imageBytes), humanBytes(sizes.writableBytes), humanBytes(sizes.virtualBytes)], chartWidth)
      : barChart(['image', 'writable', 'virtual'], [sizes.imageBytes, sizes.writableBytes, sizes.virtualBytes], [humanBytes(sizes.imageBytes), humanBytes(sizes.writableBytes), humanBytes(sizes.virtualBytes)], chartWidth, 8);
  const top = largestWritable(changes, 5);
  const treeHeight = Math.max(3, height - 12);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.accent}>
        {fit(`${feed.simulated ? '[SIMULATED] ' : ''}${feed.label}  ${status.message}   A ${counts.A}  C ${counts.C}  D ${counts.D}`, width)}
      </Text>
      <Box flexDirection="row">
        <Box flexDirection="column" width={chartWidth + 2}>
          <Text>{chart}</Text>
        </Box>
        <Box flexDirection="column" width={Math.max(10, width - chartWidth - 2)}>
          <Text bold>{fit('writable size comes from', width - chartWidth - 2)}</Text>
          {top.length === 0 ? <Text dimColor={theme.dim}>(no file content written)</Text> : null}
          {top.map((c) => (
            <Text key={c.path}>{fit(`${humanBytes(c.sizeBytes ?? 0).padStart(8)}  ${terminalSafe(c.path)}`, width - chartWidth - 2)}</Text>
          ))}
          {detail.storage ? (
            <>
              <Text bold>{fit(`storage: ${detail.storage.driver}`, width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`upper  ${detail.storage.upperDir ?? '-'}`, width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`merged ${detail.storage.mergedDir ?? '-'}`, width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`lower  ${(detail.storage.lowerDir ?? '-').split(':').length} dirs`, width - chartWidth - 2)}</Text>
            </>
          ) : null}
        </Box>
      </Box>
      <Text bold>{fit('changes (like docker diff, live; new or resized entries highlighted)', width)}</Text>
      {rows.length === 0 ? <Text dimColor={theme.dim}>no changes yet</Text> : null}
      {rows.slice(scroll, scroll + treeHeight).map((r) => {
        const c = r.change;
        const letter = c ? c.kind : ' ';
        const size = c && c.kind !== 'D' && c.sizeBytes !== null ? humanBytes(c.sizeBytes) : '';
        return (
          <Text key={r.path} color={c ? theme.change[KIND_CHANGE[c.kind]] : undefined} bold={r.recent} inverse={r.recent && theme.name !== 'no-color'}>
            {fit(`${letter} ${size.padStart(8)}  ${r.guides}${terminalSafe(r.name)}${r.recent ? '  ●' : ''}`, width)}
          </Text>
        );
      })}
    </Box>
  );
}

/** Containers with state and sizes; the selected one's live diff beside them. */
export function ContainersScreen({ io, keymap, theme, size, onQuit, onImages }: { io: AppIo; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void; onImages: () => void }) {
  const [rows, setRows] = useState<ContainerListRow[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  // The selection follows the container, not the row: containers come and go while the list is open.
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [top, setTop] = useState(0);
  const [scroll, setScroll] = useState(0);
  const [focus, setFocus] = useState<'list' | 'detail'>('list');
  useEffect(
    () =>
      io.watchContainers((r, p) => {
        setRows(r);
        setProblem(p);
      }),
    [io],
  );
  const found = rows.findIndex((r) => r.id === selectedId);
  const cursor = found >= 0 ? found : 0;
  const selected = rows[cursor] ?? null;
  const detail = useMemo(() => (selected ? io.containerDetail(selected.id, selected.name) : null), [selected?.id]);
  useEffect(() => () => detail?.feed.stop(), [detail]);
  // Keep the selected container in view even when rows above it come or go.
  const shownTop = scrollTo(cursor, Math.min(top, Math.max(0, rows.length - 1)), Math.max(3, size.rows - 4));
  const listWidth = Math.max(26, Math.min(44, Math.floor(size.columns * 0.33)));
  const height = Math.max(3, size.rows - 4);
  useKeys((input, key) => {
    const name = keyName(input, key);
    if (name === 'i') return onImages();
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    if (action === 'toggle-view') return setFocus((f) => (f === 'list' ? 'detail' : 'list'));
    const by = action === 'down' ? 1 : action === 'up' ? -1 : action === 'page-down' ? height : action === 'page-up' ? -height : 0;
    if (!by) return;
    if (focus === 'list') {
      const c = Math.max(0, Math.min(rows.length - 1, cursor + by));
      setSelectedId(rows[c]?.id ?? null);
      setTop((t) => scrollTo(c, t, height));
      setScroll(0);
    } else setScroll((s) => Math.max(0, s + by));
  });
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(`fathom  containers (${rows.length})`, size.columns)}
      </Text>
      {problem ? <Text color={theme.change.removed}>{fit(problem, size.columns)}</Text> : null}
      <Box flexDirection="row" height={height + 1}>
        <Box flexDirection="column" width={listWidth}>
          {rows.length === 0 ? <Text dimColor={theme.dim}>{problem ? '' : 'no containers'}</Text> : null}
          {rows.slice(shownTop, shownTop + height).map((r, i) => (
            <Text key={r.id} inverse={shownTop + i === cursor} color={r.state === 'running' ? theme.change.added : undefined}>
              {fit(`${r.simulated ? '◇' : ' '}${r.name.slice(0, 18).padEnd(18)} ${r.state.slice(0, 8).padEnd(8)} ${r.sizeRwBytes === null ? '…' : humanBytes(r.sizeRwBytes)}`, listWidth)}
            </Text>
          ))}
        </Box>
        <Box width={1} />
        {detail ? <ContainerDetailPane detail={detail} width={size.columns - listWidth - 1} height={height} theme={theme} scroll={scroll} /> : null}
      </Box>
      <Text dimColor={theme.dim}>{fit(`tab ${focus === 'list' ? 'changes' : 'list'}  ↑↓ move  i images  q quit`, size.columns)}</Text>
    </Box>
  );
}
