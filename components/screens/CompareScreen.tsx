import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { compareImages } from '../../src/analysis/compare.js';
import { configDifferences } from '../../src/analysis/config-diff.js';
import { humanBytes, terminalSafe } from '../../src/format.js';
import type { ImageModel } from '../../src/model/image-model.js';
import type { LayerStore } from '../../store/store.js';
import { diffFile } from '../../src/view/file-actions.js';
import { fit } from '../../src/view/format.js';
import { instructionText } from '../../src/view/instruction.js';
import { keyName, type KeyMap } from '../../src/view/keys.js';
import { scrollTo } from '../../src/view/image-view-state.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { Theme } from '../theme.js';
import { PANE_WORDS, type UiLang } from '../../src/view/chrome-text.js';

type Shown = { kind: 'files' } | { kind: 'config' } | { kind: 'diff'; title: string; lines: { mark: string; text: string }[] | null };

/**
 * Two images side by side: the layers they share, then their files compared (Enter on a file that differs
 * shows its content diff) or, with tab, their configs (ENTRYPOINT, CMD, ENV, USER, WORKDIR, ports, labels).
 */
export function CompareScreen({ a, b, store, keymap, theme, size, onQuit, lang = 'en' }: { a: ImageModel; b: ImageModel; store: LayerStore; keymap: KeyMap; theme: Theme; size: TerminalSize; onQuit: () => void; lang?: UiLang }) {
  const words = PANE_WORDS[lang];
  const cmp = useMemo(() => compareImages(a, b), [a, b]);
  const config = useMemo(() => configDifferences(a.record.config, b.record.config), [a, b]);
  const [shown, setShownRaw] = useState<Shown>({ kind: 'files' });
  const [cursor, setCursorRaw] = useState(0);
  const [top, setTopRaw] = useState(0);
  const [scroll, setScrollRaw] = useState(0);
  // Keys may come faster than renders (a paste): each sees what the one before it left, so every change
  // goes to this ref at once and to React's state for the next frame.
  const state = useRef({ shown, cursor, top, scroll });
  const setShown = (v: Shown) => setShownRaw((state.current.shown = v));
  const setCursor = (v: number) => setCursorRaw((state.current.cursor = v));
  const setTop = (v: number) => setTopRaw((state.current.top = v));
  const setScroll = (v: number) => setScrollRaw((state.current.scroll = v));
  const w = size.columns;
  const half = Math.floor((w - 1) / 2);
  const layerRows = Math.max(a.layerCount, b.layerCount);
  const layerHeight = Math.min(layerRows, Math.max(3, Math.floor((size.rows - 6) / 3)));
  const lowerHeight = Math.max(3, size.rows - layerHeight - 6);
  const rowsOf = (s: Shown) => (s.kind === 'files' ? cmp.files.length : s.kind === 'config' ? config.length : (s.lines?.length ?? 0));
  const diffToken = useRef(0);
  useEffect(() => () => void (diffToken.current = -1), []);
  useKeys((input, key) => {
    const s = state.current;
    const name = keyName(input, key);
    const action = keymap.resolve(name, 'global');
    if (action === 'quit') return onQuit();
    if (s.shown.kind === 'diff') {
      if (action === 'close' || action === 'back') return setShown({ kind: 'files' });
    } else if (action === 'close') return onQuit();
    if (action === 'toggle-view' && s.shown.kind !== 'diff') {
      setScroll(0);
      return setShown(s.shown.kind === 'files' ? { kind: 'config' } : { kind: 'files' });
    }
    if (action === 'open' && s.shown.kind === 'files') {
      const f = cmp.files[s.cursor];
      if (!f || f.change !== 'modified') return;
      const token = ++diffToken.current;
      // Back from the diff, the files are where they were.
      setScroll(0);
      setShown({ kind: 'diff', title: words.readingBoth(f.path), lines: null });
      void diffFile(a, b, store, f.path).then((d) => {
        if (token === diffToken.current && state.current.shown.kind === 'diff') setShown({ kind: 'diff', ...d });
      });
      return;
    }
    const page = lowerHeight;
    const by = action === 'down' ? 1 : action === 'up' ? -1 : action === 'page-down' ? page : action === 'page-up' ? -page : action === 'top' ? -Infinity : action === 'bottom' ? Infinity : 0;
    if (!by) return;
    const n = rowsOf(s.shown);
    if (s.shown.kind === 'files') {
      const c = Math.max(0, Math.min(n - 1, s.cursor + by));
      setCursor(c);
      setTop(scrollTo(c, s.top, lowerHeight));
    } else setScroll(Math.max(0, Math.min(Math.max(0, n - lowerHeight), s.scroll + by)));
  });
  const label = (m: ImageModel) => m.record.repoTags[0] ?? m.record.id.slice(7, 19);
  const layerLine = (m: ImageModel, i: number) => {
    if (i >= m.layerCount) return '';
    const cmd = instructionText(m.layerSummaries[i].command).replace(/\s+/g, ' ');
    return `${String(i).padStart(3)} ${i < cmp.sharedLayers ? '=' : ' '} ${humanBytes(m.layerSize(i)).padStart(7)} ${cmd}`;
  };
  const fieldWidth = Math.min(28, Math.max(12, Math.floor(w * 0.22)));
  const valueWidth = Math.max(8, Math.floor((w - fieldWidth - 4) / 2));
  const differing = config.filter((r) => !r.same).length;
  const lower = (() => {
    if (shown.kind === 'config') {
      return [
        <Text key="h" bold>
          {fit(`  ${fit(words.compareConfig(differing, config.length), fieldWidth)} ${fit('A', valueWidth)} B`, w)}
        </Text>,
        ...config.slice(scroll, scroll + lowerHeight).map((r, i) => (
          <Text key={scroll + i} color={r.same ? undefined : theme.change.modified} bold={!r.same}>
            {fit(`${r.same ? ' ' : '*'} ${fit(terminalSafe(r.field), fieldWidth)} ${fit(terminalSafe(r.a) || '—', valueWidth)} ${fit(terminalSafe(r.b) || '—', valueWidth)}`, w)}
          </Text>
        )),
      ];
    }
    if (shown.kind === 'diff') {
      const colour = (m: string) => (m === '-' ? theme.change.removed : m === '+' ? theme.change.added : m === '@' ? theme.accent : undefined);
      return [
        <Text key="h" bold>
          {fit(terminalSafe(shown.title), w)}
        </Text>,
        ...(shown.lines ?? []).slice(scroll, scroll + lowerHeight).map((l, i) => (
          <Text key={scroll + i} color={colour(l.mark)}>
            {fit(l.mark === '@' ? l.text : `${l.mark}${l.text}`, w)}
          </Text>
        )),
      ];
    }
    const shownTop = scrollTo(cursor, top, lowerHeight);
    return [
      <Text key="h" bold>
        {fit(words.compareFiles(cmp.totals.added, humanBytes(cmp.totals.addedBytes), cmp.totals.removed, humanBytes(cmp.totals.removedBytes), cmp.totals.modified), w)}
      </Text>,
      ...cmp.files.slice(shownTop, shownTop + lowerHeight).map((f, i) => {
        const sign = f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~';
        const sizes = f.change === 'modified' ? `${humanBytes(f.sizeBytesA ?? 0)} → ${humanBytes(f.sizeBytesB ?? 0)} (${f.what.join(', ')})` : humanBytes((f.sizeBytesA ?? f.sizeBytesB) ?? 0);
        return (
          <Text key={shownTop + i} color={theme.change[f.change]} inverse={shownTop + i === cursor}>
            {fit(`${theme.markers ? (shownTop + i === cursor ? '>' : ' ') : ''}${sign} ${terminalSafe(f.path)}  ${sizes}`, w)}
          </Text>
        );
      }),
    ];
  })();
  const hints = words.compareHints(shown.kind);
  return (
    <Box flexDirection="column" width={w} height={size.rows - 1}>
      <Text bold color={theme.accent}>
        {fit(words.compareHeader(label(a), label(b), cmp.sharedLayers, humanBytes(cmp.sharedBytes), cmp.firstDifferentLayer), w)}
      </Text>
      {Array.from({ length: layerHeight }, (_, i) => (
        <Text key={i} color={i < cmp.sharedLayers ? theme.accent : undefined}>
          {fit(layerLine(a, i), half)} {fit(layerLine(b, i), half)}
        </Text>
      ))}
      {lower}
      <Box flexGrow={1} />
      <Text dimColor={theme.dim}>{fit(hints, w)}</Text>
    </Box>
  );
}
