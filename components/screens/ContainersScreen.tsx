import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { humanBytes, terminalSafe } from '../../src/format.js';
import type { AppIo, ContainerAction, ContainerDetail, ContainerListRow, LogFeed } from '../../src/view/app-io.js';
import { changeTreeRows, countKinds, largestWritable } from '../../src/view/change-tree.js';
import { fit } from '../../src/view/format.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { scrollTo } from '../../src/view/image-view-state.js';
import { barChart, textBars } from '../chart-adapter.js';
import { useFeed } from '../hooks/useFeed.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';
import { PANE_WORDS, type UiLang } from '../../src/view/chrome-text.js';

const KIND_CHANGE = { A: 'added', C: 'modified', D: 'removed' } as const;

/** The live diff of one container: its changes as a tree, its sizes side by side, its storage. */
export function ContainerDetailPane({ detail, width, height, theme, scroll, lang = 'en' }: { detail: ContainerDetail; width: number; height: number; theme: Theme; scroll: number; lang?: UiLang }) {
  const w = PANE_WORDS[lang];
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
    ? w.sizesWaiting
    : theme.name === 'no-color'
      ? textBars(['image', 'writable', 'virtual'], [sizes.imageBytes, sizes.writableBytes, sizes.virtualBytes], [humanBytes(sizes.imageBytes), humanBytes(sizes.writableBytes), humanBytes(sizes.virtualBytes)], chartWidth)
      : barChart(['image', 'writable', 'virtual'], [sizes.imageBytes, sizes.writableBytes, sizes.virtualBytes], [humanBytes(sizes.imageBytes), humanBytes(sizes.writableBytes), humanBytes(sizes.virtualBytes)], chartWidth, 8);
  const top = largestWritable(changes, 5);
  const treeHeight = Math.max(3, height - 12);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.accent}>
        {fit(`${feed.simulated ? `${w.simulated} ` : ''}${feed.label}  ${status.message}   A ${counts.A}  C ${counts.C}  D ${counts.D}`, width)}
      </Text>
      <Box flexDirection="row">
        <Box flexDirection="column" width={chartWidth + 2}>
          <Text>{chart}</Text>
        </Box>
        <Box flexDirection="column" width={Math.max(10, width - chartWidth - 2)}>
          <Text bold>{fit(w.writableFrom, width - chartWidth - 2)}</Text>
          {top.length === 0 ? <Text dimColor={theme.dim}>{w.noContentWritten}</Text> : null}
          {top.map((c) => (
            <Text key={c.path}>{fit(`${humanBytes(c.sizeBytes ?? 0).padStart(8)}  ${terminalSafe(c.path)}`, width - chartWidth - 2)}</Text>
          ))}
          {detail.storage ? (
            <>
              <Text bold>{fit(w.storage(detail.storage.driver), width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`upper  ${detail.storage.upperDir ?? '-'}`, width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`merged ${detail.storage.mergedDir ?? '-'}`, width - chartWidth - 2)}</Text>
              <Text dimColor={theme.dim}>{fit(`lower  ${w.lowerDirs((detail.storage.lowerDir ?? '-').split(':').length)}`, width - chartWidth - 2)}</Text>
            </>
          ) : null}
        </Box>
      </Box>
      <Text bold>{fit(w.changesTitle, width)}</Text>
      {rows.length === 0 ? <Text dimColor={theme.dim}>{w.noChanges}</Text> : null}
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

/** A container's log, followed: the newest lines at the bottom unless scrolled up (`back` lines from the end). */
export function LogPane({ log, label, width, height, theme, back }: { log: LogFeed; label: string; width: number; height: number; theme: Theme; back: number }) {
  const [, redraw] = useState(0);
  useEffect(() => log.subscribe(() => redraw((n) => n + 1)), [log]);
  const lines = log.lines;
  const end = Math.max(0, lines.length - back);
  const shown = lines.slice(Math.max(0, end - (height - 1)), end);
  const status = log.status;
  const state = status === 'starting' ? 'starting…' : status === 'following' ? (back > 0 ? `scrolled up ${back} lines` : 'following') : status === 'ended' ? 'ended' : `failed: ${status.failed}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.accent}>
        {fit(`logs ${label}  ${state}  ${lines.length} lines (the last 1000 first, like docker logs -f --tail 1000)`, width)}
      </Text>
      {shown.length === 0 ? <Text dimColor={theme.dim}>{status === 'starting' ? '' : 'no output'}</Text> : null}
      {shown.map((l, i) => (
        <Text key={end - shown.length + i} color={l.stream === 'stderr' ? theme.change.removed : undefined}>
          {fit(terminalSafe(l.text), width)}
        </Text>
      ))}
    </Box>
  );
}

/** The key an action asks for, and what the prompt says before it runs (stop and remove ask first). */
const ACTION_KEYS: Record<string, ContainerAction> = { s: 'start', S: 'stop', r: 'restart', D: 'remove' };
const ACTION_DONE: Record<ContainerAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted', remove: 'removed' };
const ACTION_DOING: Record<ContainerAction, string> = { start: 'starting', stop: 'stopping', restart: 'restarting', remove: 'removing' };

function age(created: number | null | undefined): string {
  if (!created) return '';
  const s = Date.now() / 1000 - created;
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))}m`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** A name cut to a width with "…" where it was cut. */
function fitName(name: string, width: number): string {
  return name.length <= width ? name.padEnd(width) : `${name.slice(0, width - 1)}…`;
}

/** Containers with state and sizes; the selected one's live diff beside them. */
export function ContainersScreen({ io, keymap, theme, size, onQuit, onImages, onOpen }: { io: AppIo; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void; onImages: () => void; onOpen: (row: ContainerListRow) => void }) {
  const [rows, setRows] = useState<ContainerListRow[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  // The selection follows the container, not the row: containers come and go while the list is open.
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [top, setTop] = useState(0);
  const [scroll, setScroll] = useState(0);
  const [focus, setFocus] = useState<'list' | 'detail'>('list');
  // A stop or remove waits for "y"; what the last action did is said until the next key.
  const [confirm, setConfirm] = useState<{ action: ContainerAction; row: ContainerListRow } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [logOf, setLogOf] = useState<ContainerListRow | null>(null);
  const [logBack, setLogBack] = useState(0);
  const log = useMemo(() => (logOf ? io.containerLog(logOf.id) : null), [logOf?.id]);
  useEffect(() => () => log?.stop(), [log]);
  // Keys can come faster than renders (a paste): the prompt is read from here, not from the last render.
  const confirmRef = useRef(confirm);
  confirmRef.current = confirm;
  const run = (action: ContainerAction, row: ContainerListRow) => {
    setMessage(`${ACTION_DOING[action]} ${row.name}…`);
    io.containerAction(row.id, action, row.state === 'running')
      .then(() => setMessage(`${ACTION_DONE[action]} ${row.name}`))
      .catch((e: Error) => setMessage(`fathom: ${e.message}`));
  };
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
  // One size everywhere: the selected container's row shows the sizes of the same poll as its chart.
  useFeed(detail?.feed ?? null);
  const liveSizes = detail?.feed.sizes() ?? null;
  const sizeText = (r: ContainerListRow, which: 'rw' | 'root') => {
    const live = r.id === selected?.id && liveSizes;
    const bytes = which === 'rw' ? (live ? liveSizes.writableBytes : r.sizeRwBytes) : live ? liveSizes.virtualBytes : r.sizeRootFsBytes;
    return (bytes === null ? '…' : humanBytes(bytes)).padStart(7);
  };
  // Keep the selected container in view even when rows above it come or go.
  const shownTop = scrollTo(cursor, Math.min(top, Math.max(0, rows.length - 1)), Math.max(3, size.rows - 4));
  // Wide terminals get the virtual size and the image in the list too.
  const wideList = size.columns >= 110;
  const listWidth = wideList ? Math.min(62, Math.floor(size.columns * 0.45)) : Math.max(26, Math.min(44, Math.floor(size.columns * 0.33)));
  const nameWidth = wideList ? 18 : Math.max(8, listWidth - 19);
  const height = Math.max(3, size.rows - 4);
  useKeys((input, key) => {
    const name = keyName(input, key);
    const asked = confirmRef.current;
    if (asked) {
      confirmRef.current = null;
      setConfirm(null);
      if (name === 'y' || name === 'Y') run(asked.action, asked.row);
      else setMessage(`${asked.action} cancelled`);
      return;
    }
    if (logOf) {
      const a = keymap.resolve(name, 'global');
      if (name === 'l' || a === 'close' || a === 'back') return setLogOf(null);
      if (a === 'quit') return onQuit();
      const page = Math.max(1, height - 2);
      const step = a === 'up' ? 1 : a === 'down' ? -1 : a === 'page-up' ? page : a === 'page-down' ? -page : 0;
      if (a === 'bottom') return setLogBack(0);
      if (a === 'top') return setLogBack(Math.max(0, (log?.lines.length ?? 0) - page));
      if (step) setLogBack((b) => Math.max(0, Math.min(Math.max(0, (log?.lines.length ?? 0) - 1), b + step)));
      return;
    }
    // What the last action did stays until the next key (one still running stays until it is done).
    if (message && !message.endsWith('…')) setMessage(null);
    if (name === 'i') return onImages();
    const row = rows[cursor] ?? null;
    if (row && ACTION_KEYS[name] && !row.simulated) {
      const act = ACTION_KEYS[name];
      setMessage(null);
      if (act === 'stop' || act === 'remove') {
        const ask = { action: act, row };
        confirmRef.current = ask;
        return setConfirm(ask);
      }
      return run(act, row);
    }
    if (row && name === 'l' && !row.simulated) {
      setLogBack(0);
      return setLogOf(row);
    }
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    // The container as a layer: its image's layers with its writable layer on top, in the layer view.
    if (action === 'open' && row && !row.simulated) return onOpen(row);
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
        {fit(`fathom  containers (${rows.length})${selected ? `  ${selected.name}: ${selected.image}  ${selected.status}${selected.created ? `  created ${age(selected.created)} ago` : ''}${selected.ports ? `  ports ${selected.ports}` : ''}` : ''}`, size.columns)}
      </Text>
      {problem ? <Text color={theme.change.removed}>{fit(problem, size.columns)}</Text> : null}
      <Box flexDirection="row" height={height + 1}>
        <Box flexDirection="column" width={listWidth}>
          {rows.length === 0 ? <Text dimColor={theme.dim}>{problem ? '' : 'no containers'}</Text> : null}
          {rows.slice(shownTop, shownTop + height).map((r, i) => (
            <Text key={r.id} inverse={shownTop + i === cursor} color={r.state === 'running' ? theme.change.added : undefined}>
              {fit(`${r.simulated ? '◇' : ' '}${fitName(r.name, nameWidth)} ${r.state.slice(0, 8).padEnd(8)} ${sizeText(r, 'rw')}${wideList ? ` ${sizeText(r, 'root')} ${fitName(r.image, Math.max(4, listWidth - nameWidth - 28))}` : ''}`, listWidth)}
            </Text>
          ))}
        </Box>
        <Box width={1} />
        {log && logOf ? (
          <LogPane log={log} label={logOf.name} width={size.columns - listWidth - 1} height={height} theme={theme} back={logBack} />
        ) : detail ? (
          <ContainerDetailPane detail={detail} width={size.columns - listWidth - 1} height={height} theme={theme} scroll={scroll} />
        ) : null}
      </Box>
      {confirm ? (
        <Text color={theme.change.removed} bold>
          {fit(confirm.action === 'remove' && confirm.row.state === 'running' ? `remove ${confirm.row.name}? it is running: it will be killed first (docker rm -f)  y/n` : `${confirm.action} ${confirm.row.name}?  y/n`, size.columns)}
        </Text>
      ) : message ? (
        <Text color={message.startsWith('fathom:') ? theme.change.removed : theme.accent}>{fit(message, size.columns)}</Text>
      ) : (
        <Text dimColor={theme.dim}>
          {fit(logOf ? 'esc/l close logs  ↑↓ pgup pgdn scroll  G follow  q quit' : `enter layers  tab ${focus === 'list' ? 'changes' : 'list'}  l logs  s/S/r/D start/stop/restart/rm  i images  q quit`, size.columns)}
        </Text>
      )}
    </Box>
  );
}
