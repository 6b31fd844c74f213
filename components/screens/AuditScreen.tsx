import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { AppIo, AuditOutcome } from '../../src/view/app-io.js';
import { auditLines } from '../../src/view/audit-view.js';
import { fit } from '../../src/view/format.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { terminalSafe } from '../../src/format.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';

type AuditState = { kind: 'running'; done: number; total: number; source: string } | { kind: 'done'; outcome: AuditOutcome } | { kind: 'failed'; message: string };

/** The audit of the images the list showed: progress while each is read, then the report, scrollable. */
export function AuditScreen({ io, sources, keymap, theme, size, onBack, onQuit }: { io: AppIo; sources: readonly string[]; keymap: KeyMap; theme: Theme; size: TerminalSize; onBack: () => void; onQuit: () => void }) {
  const [state, setState] = useState<AuditState>({ kind: 'running', done: 0, total: sources.length, source: '' });
  const [top, setTopRaw] = useState(0);
  const topRef = useRef(0);
  useEffect(() => {
    let live = true;
    io.audit(sources, (done, total, source) => live && setState({ kind: 'running', done, total, source }))
      .then((r) => live && setState({ kind: 'done', outcome: r }))
      .catch((e: Error) => live && setState({ kind: 'failed', message: e.message }));
    return () => {
      live = false;
    };
  }, [io, sources]);
  const height = Math.max(3, size.rows - 3);
  // Laid out for the terminal's width as it is now (a resize lays it out again).
  const outcome = state.kind === 'done' ? state.outcome : null;
  const lines = useMemo(() => (outcome ? auditLines(outcome.report, outcome.problems, size.columns).map(terminalSafe) : []), [outcome, size.columns]);
  const setTop = (to: (t: number) => number) => {
    topRef.current = Math.max(0, Math.min(Math.max(0, lines.length - height), to(topRef.current)));
    setTopRaw(topRef.current);
  };
  useKeys((input, key) => {
    const name = keyName(input, key);
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    if (action === 'close' || key.backspace || key.escape) return onBack();
    if (action === 'up') return setTop((t) => t - 1);
    if (action === 'down') return setTop((t) => t + 1);
    if (action === 'page-up') return setTop((t) => t - height);
    if (action === 'page-down') return setTop((t) => t + height);
    if (action === 'top') return setTop(() => 0);
    if (action === 'bottom') return setTop(() => lines.length);
  });
  const w = size.columns;
  const title = `fathom  audit of ${sources.length} image${sources.length === 1 ? '' : 's'}`;
  return (
    <Box flexDirection="column" width={w} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(state.kind === 'running' ? `${title}  reading ${Math.min(state.done + 1, state.total)}/${state.total} ${terminalSafe(state.source)}` : title, w)}
      </Text>
      {state.kind === 'failed' ? <Text color={theme.change.removed}>{fit(`fathom: ${terminalSafe(state.message)}`, w)}</Text> : null}
      {state.kind === 'running' ? <Text dimColor={theme.dim}>{fit('each distinct layer is read once; images already in the store are not read again', w)}</Text> : null}
      {lines.slice(top, top + height).map((l, i) => (
        <Text key={top + i}>{fit(l, w)}</Text>
      ))}
      <Box flexGrow={1} />
      <Text dimColor={theme.dim}>{fit(`↑↓ scroll  esc back to the list  q quit${lines.length > height ? `   lines ${top + 1}-${Math.min(lines.length, top + height)} of ${lines.length}` : ''}`, w)}</Text>
    </Box>
  );
}
