import { PANE_WORDS, filesTitle, noticeText, type UiLang } from '../../src/view/chrome-text.js';
import { parseFilter } from '../../src/view/filter.js';
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { ImageModel, WasteReport } from '../../src/model/image-model.js';
import type { LayerStore } from '../../store/store.js';
import { humanBytes, percent, terminalSafe } from '../../src/format.js';
import { extractFile, viewFile } from '../../src/view/file-actions.js';
import { diffNames } from '../../src/union/changes.js';
import { applyFilter, editDraft, initialImageViewState, layerAtRow, reduceImageView, scrollTo, type ImageViewState, type ViewContext } from '../../src/view/image-view-state.js';
import { footerHints, keyName, type KeyMap } from '../../src/view/keys.js';
import { allDirectories, flattenTree, rowOfPath } from '../../src/view/tree-rows.js';
import { describeSelection, newestLayerHolding, treeForSelection } from '../../src/view/tree-source.js';
import { engineReadLine, engineReadTag, fit, registryReadLine, registryReadTag, wrapText } from '../../src/view/format.js';
import { parseMouse } from '../../src/view/mouse.js';
import { recordedInstruction } from '../../src/view/instruction.js';
import { LayersPane } from '../panes/LayersPane.js';
import { FileTreePane } from '../panes/FileTreePane.js';
import { DetailsOverlay, HelpOverlay, PromptBar, TextOverlay, WasteOverlay } from '../overlays/Overlays.js';
import type { Theme } from '../theme.js';
import type { TerminalSize } from '../hooks/useTerminalSize.js';
import type { IngestProgress } from '../../src/sources/types.js';

export interface ImageViewProps {
  model: ImageModel;
  store: LayerStore;
  keymap: KeyMap;
  theme: Theme;
  size: TerminalSize;
  /** Layers whose diff IDs other stored images use too (marked ◆). */
  sharedDiffIds: ReadonlySet<string>;
  onQuit: () => void;
  /** Back to the image list, when the view was opened from it. */
  onBack?: () => void;
  /** Called after each frame's state change (the bench times keystroke → frame with it). */
  onFrame?: () => void;
  /** Keeps the analysis once computed (the image list shows it). */
  onAnalysis?: (waste: WasteReport) => void;
  /** Where to start (the demo sets up each step this way); historyCursor past the end means the last row. */
  initial?: Partial<ImageViewState>;
  /** The language of the panes' own words (the demo's --lang); names and figures stay as they are. */
  lang?: UiLang;
  /**
   * Set while `model` is a first look (from the layers' tar headers) and the layers are still being read
   * and verified: the header says how far; files can't be viewed or extracted until they are verified.
   */
  verifying?: IngestProgress | null;
}

export function ImageView({ model, store, keymap, theme, size, sharedDiffIds, onQuit, onBack, onFrame, onAnalysis, initial, lang = 'en', verifying }: ImageViewProps) {
  const [state, setStateRaw] = useState<ImageViewState>(() => {
    const s = { ...initialImageViewState(model.history), ...initial };
    return { ...s, historyCursor: Math.min(s.historyCursor, model.history.length - 1) };
  });
  // Keys can arrive faster than frames: each handler must see the state the previous key left,
  // so the ref is updated synchronously and is the source of truth between renders.
  const stateRef = useRef(state);
  const setState = (next: ImageViewState | ((s: ImageViewState) => ImageViewState)) => {
    stateRef.current = typeof next === 'function' ? next(stateRef.current) : next;
    setStateRaw(stateRef.current);
  };
  const [waste, setWaste] = useState<WasteReport | null>(null);
  // Read by the key handler: a frame can be on screen before the handler that closes over it is registered
  // (React runs that effect later, later still on a loaded machine), and a key then must not see stale state.
  const wasteRef = useRef(waste);
  const verifyingRef = useRef(verifying);
  verifyingRef.current = verifying;
  wasteRef.current = waste;
  const [viewer, setViewer] = useState<{ title: string; lines: string[]; scroll: number } | null>(null);
  const [confirmOverwrite, setConfirmOverwrite] = useState<string | null>(null);
  const [jumpTo, setJumpTo] = useState<string | null>(null);

  // Layout: frame at most rows-1 tall (a full-height frame makes Ink clear the screen on every render).
  const frameRows = Math.max(10, size.rows - 1);
  const leftWidth = Math.max(28, Math.min(64, Math.floor(size.columns * 0.42)));
  const rightWidth = Math.max(20, size.columns - leftWidth - 1);
  const bodyRows = frameRows - 3; // header, status line, bottom bar
  const detailRows = Math.min(6, Math.max(3, Math.floor(bodyRows / 4)));
  const historyHeight = Math.max(3, bodyRows - detailRows - 1);
  const treeHeight = Math.max(3, bodyRows - 2);

  // The costly analysis waits until the first frame is on screen: Ink flushes frames on a 33 ms
  // throttle, and a long synchronous computation before that flush would hold the frame back.
  // A first look (still verifying) has no digests of its own: the analysis waits for the verified image.
  useEffect(() => {
    if (verifying !== undefined) return;
    const t = setTimeout(() => {
      const w = model.waste();
      setWaste(w);
      onAnalysis?.(w);
    }, 120);
    return () => clearTimeout(t);
  }, [model, verifying === undefined]);

  const selection = { historyRow: state.historyCursor, mode: state.mode, rangeStart: state.rangeStart };
  const described = describeSelection(model, selection, lang);
  const tree = useMemo(() => treeForSelection(model, selection), [model, state.historyCursor, state.mode, state.rangeStart]);
  const filter = useMemo(() => parseFilter(state.filter), [state.filter]);
  const rows = useMemo(
    () => flattenTree(tree, { collapsed: state.collapsed, hidden: state.hidden, filter: filter.re, sort: state.sort }),
    [tree, state.collapsed, state.hidden, filter, state.sort],
  );
  const layerSizes = useMemo(() => model.layers.map((_, n) => model.layerSize(n)), [model]);
  const sharedLayers = useMemo(() => new Set(model.record.layers.map((l, i) => (sharedDiffIds.has(l.diffId) ? i : -1)).filter((i) => i >= 0)), [model, sharedDiffIds]);
  const cursorRow = rows.at(state.treeCursor) ?? null;

  // Jumping to a path (from the waste pane): show the top layer, everything, unfold its parents.
  useEffect(() => {
    if (!jumpTo) return;
    const at = rowOfPath(rows, jumpTo);
    if (at >= 0) {
      setState((s) => ({ ...s, treeCursor: at, treeTop: scrollTo(at, s.treeTop, treeHeight), focus: 'tree' }));
      setJumpTo(null);
      return;
    }
    const parents = new Set<string>();
    for (let i = jumpTo.indexOf('/', 1); i > 0; i = jumpTo.indexOf('/', i + 1)) parents.add(jumpTo.slice(0, i));
    if ([...parents].some((p) => state.collapsed.has(p)) || state.filter || Object.values(state.hidden).some(Boolean)) {
      setState((s) => ({ ...s, collapsed: new Set([...s.collapsed].filter((c) => !parents.has(c))), filter: '', hidden: { added: false, modified: false, removed: false, unmodified: false } }));
    } else setJumpTo(null);
  }, [jumpTo, rows]);

  useEffect(() => {
    onFrame?.();
  });

  /** The reducer's view of the screen, for a given state: keys can outrun frames, so it is built per key. */
  const contextFor = (s: ImageViewState): ViewContext => {
    const row = rows.at(s.treeCursor) ?? null;
    return {
      historyRows: model.history.length,
      treeRows: rows.length,
      historyHeight,
      treeHeight,
      wasteRows: waste?.inefficiencies.length ?? 0,
      cursorPath: row?.path ?? null,
      cursorIsDir: row?.node.isDir ?? false,
      allDirectories: () => allDirectories(tree),
    };
  };

  const openViewer = async (path: string) => {
    setViewer({ title: `${path} — loading…`, lines: [], scroll: 0 });
    const shown = await viewFile(model, store, Math.max(0, described.to), path, size.columns - 6, lang);
    setViewer({ ...shown, scroll: 0 });
  };

  const extract = async (target: string, overwrite: boolean) => {
    const path = rows.at(stateRef.current.treeCursor)?.path;
    if (!path) return;
    // Said at once: a big file is read, checked against its digest and written before the result comes.
    setState((s) => ({ ...s, overlay: 'none', draft: '', message: { kind: 'extracting', path, target } }));
    const result = await extractFile(model, store, Math.max(0, described.to), path, target, overwrite, lang);
    if (result.kind === 'exists') {
      setConfirmOverwrite(result.target);
      return;
    }
    setConfirmOverwrite(null);
    setState((s) => ({ ...s, overlay: 'none', draft: '', message: { kind: 'text', text: result.message } }));
  };

  useKeys((input, key) => {
    const s = stateRef.current;
    const ctx = contextFor(s);
    const current = rows.at(s.treeCursor) ?? null;
    const mouse = parseMouse(input);
    if (mouse.length) {
      for (const m of mouse) {
        const inTree = m.x > leftWidth;
        if (m.kind === 'wheel') {
          setState((st) => reduceImageView({ ...st, focus: inTree ? 'tree' : 'layers' }, m.delta < 0 ? 'up' : 'down', ctx));
        } else if (m.kind === 'click') {
          if (inTree) {
            const row = s.treeTop + (m.y - 4);
            if (row >= 0 && row < rows.length) setState((st) => ({ ...st, focus: 'tree', treeCursor: row }));
          } else {
            const row = s.historyTop + (m.y - 3);
            if (row >= 0 && row < model.history.length) setState((st) => ({ ...st, focus: 'layers', historyCursor: row, treeCursor: 0, treeTop: 0 }));
          }
        }
      }
      return;
    }
    if (confirmOverwrite) {
      if (input === 'y' || input === 'Y') void extract(confirmOverwrite, true);
      else {
        setConfirmOverwrite(null);
        setState((st) => ({ ...st, overlay: 'none', draft: '', message: { kind: 'not-overwritten' } }));
      }
      return;
    }
    if (s.overlay === 'filter' || s.overlay === 'extract') {
      if (key.escape) setState((st) => ({ ...st, overlay: 'none', draft: '' }));
      else if (key.return) {
        if (s.overlay === 'filter') setState(applyFilter);
        else void extract(s.draft, false);
      } else if (key.backspace || key.delete) setState((st) => editDraft(st, '', true));
      else if (key.ctrl && input === 'u') setState((st) => editDraft(st, '', false, true));
      else if (input && !key.ctrl && !key.meta) setState((st) => editDraft(st, input, false));
      return;
    }
    const name = keyName(input, key);
    const action = keymap.resolve(name, s.overlay === 'none' ? s.focus : 'global');
    if (!action) return;
    if (action === 'quit') return onQuit();
    if (action === 'back' && s.overlay === 'none' && onBack) return onBack();
    if (s.overlay === 'viewer' || s.overlay === 'history') {
      if (action === 'close' || action === 'back') {
        setViewer(null);
        setState((st) => ({ ...st, overlay: 'none' }));
      } else if (viewer && (action === 'down' || action === 'up' || action === 'page-down' || action === 'page-up')) {
        const by = action === 'down' ? 1 : action === 'up' ? -1 : action === 'page-down' ? treeHeight : -treeHeight;
        setViewer({ ...viewer, scroll: Math.max(0, Math.min(viewer.lines.length - 1, viewer.scroll + by)) });
      }
      return;
    }
    const shownWaste = wasteRef.current;
    if (s.overlay === 'waste' && action === 'open' && shownWaste) {
      const target = shownWaste.inefficiencies[s.wasteCursor];
      const layer = target ? newestLayerHolding(model, target.path) : null;
      if (target && layer !== null) {
        // Everything up to the newest layer that still has the path (a deleted file: the one before it went).
        const row = model.history.findIndex((h) => h.layerIndex === layer);
        setState((st) => ({ ...st, overlay: 'none', focus: 'tree', mode: 'aggregated', rangeStart: null, historyCursor: row, historyTop: scrollTo(row, st.historyTop, historyHeight), treeCursor: 0, treeTop: 0 }));
        setJumpTo(target.path);
      }
      return;
    }
    const next = reduceImageView(s, action, ctx);
    const opened = next.overlay !== s.overlay ? next.overlay : null;
    if (verifyingRef.current !== undefined && (opened === 'viewer' || opened === 'extract')) {
      setState({ ...s, message: { kind: 'verifying' } });
      return;
    }
    if (opened === 'viewer' && current) void openViewer(current.path);
    if (opened === 'history' && current) {
      const hist = model.pathHistory(current.path.slice(1));
      const layerInstruction = (layer: number) => {
        const row = model.history.find((r) => r.layerIndex === layer);
        return row ? recordedInstruction(row.createdBy, row.comment) : '';
      };
      setViewer({
        title: PANE_WORDS[lang].historyTitle(current.path),
        lines: hist.length ? hist.map((h) => `layer ${String(h.layer).padStart(3)}  ${h.change.change}${h.change.diff ? ` (${diffNames(h.change.diff).join(', ')})` : ''}  ${layerInstruction(h.layer).slice(0, 80)}`) : [PANE_WORDS[lang].impliedParent],
        scroll: 0,
      });
    }
    setState(next);
  });

  const words = PANE_WORDS[lang];
  const selectedRow = model.history[state.historyCursor];
  const selectedLayer = layerAtRow(model.history, state.historyCursor);
  const summaries = waste ? model.layerSummaries : null;
  const hiddenNames = (Object.keys(state.hidden) as (keyof typeof state.hidden)[]).filter((k) => state.hidden[k]);
  const image = model.record;
  const verifyingTag = verifying === undefined ? '' : `  ${words.verifying(verifying && verifying.bytesTotal > 0 ? Math.floor((100 * verifying.bytesDone) / verifying.bytesTotal) : 0)}`;
  const header = `fathom  ${image.repoTags[0] ?? (image.sources[0] ?? '').replace(/^[a-z-]+:\/\//, '').split('/').slice(-2).join('/')}${engineReadTag(model.engineRead)}${registryReadTag(model.registryRead)}  ${image.id.slice(7, 19)}  ${words.headerFigures(humanBytes(model.sizeBytes), model.layerCount, waste ? percent(waste.efficiencyScore, 1) : null, waste ? humanBytes(waste.wastedBytes) : null)}${verifyingTag}`;
  const treeTitle = filesTitle(described.label, lang);
  const treeStatus = `${tree.counts.added}+ ${tree.counts.modified}~ ${tree.counts.removed}-  sort:${state.sort}${hiddenNames.length ? `  hiding:${hiddenNames.join(',')}` : ''}${state.filter ? `  filter:${filter.shown}` : ''}${filter.error ? `  (${filter.error})` : ''}  ${rows.length} rows`;
  const hints = useMemo(() => footerHints(keymap, state.focus, size.columns, lang), [keymap, state.focus, size.columns, lang]);
  const bodyWidth = size.columns;
  const overlayHeight = bodyRows;

  let body: React.ReactNode;
  if (state.overlay === 'help') body = <HelpOverlay lang={lang} keymap={keymap} scroll={state.helpScroll} width={bodyWidth} height={overlayHeight} theme={theme} />;
  else if (state.overlay === 'waste') body = <WasteOverlay lang={lang} waste={waste} cursor={state.wasteCursor} width={bodyWidth} height={overlayHeight} theme={theme} />;
  else if (state.overlay === 'details' && selectedRow) body = <DetailsOverlay lang={lang} row={selectedRow} summary={selectedRow.layerIndex !== null && summaries ? summaries[selectedRow.layerIndex] : null} readLine={engineReadLine(model.engineRead) ?? registryReadLine(model.registryRead)} width={bodyWidth} height={overlayHeight} theme={theme} />;
  else if ((state.overlay === 'viewer' || state.overlay === 'history') && viewer) body = <TextOverlay title={viewer.title} lines={viewer.lines} scroll={viewer.scroll} width={bodyWidth} height={overlayHeight} theme={theme} />;
  else {
    // Browsing files, the box says what the layer did to the path under the cursor (a chmod is not an edit).
    const through = state.focus === 'tree' && cursorRow ? cursorRow.node.writtenThrough : null;
    const fileDetail = state.focus === 'tree' && cursorRow ? `${cursorRow.path}: ${cursorRow.node.change}${cursorRow.node.what.length ? ` (${cursorRow.node.what.join(', ')})` : ''}${through ? `, written through ${through}` : ''} · ` : '';
    const detail = selectedRow ? `${fileDetail}${selectedLayer >= 0 && selectedRow.layerIndex !== null ? `layer ${selectedRow.layerIndex}: ` : 'metadata: '}${recordedInstruction(selectedRow.createdBy, selectedRow.comment)}` : '';
    // Wrapped by display width at spaces, from the start; a last line that is cut says so.
    const wrapped = wrapText(terminalSafe(detail), leftWidth);
    const detailLines = wrapped.slice(0, detailRows);
    if (wrapped.length > detailRows && detailLines.length > 0) detailLines[detailLines.length - 1] = fit(`${detailLines[detailLines.length - 1]} …`, leftWidth).trimEnd();
    body = (
      <Box flexDirection="row" height={bodyRows}>
        <Box flexDirection="column" width={leftWidth}>
          <LayersPane lang={lang} history={model.history} layerSizes={layerSizes} sharedLayers={sharedLayers} cursor={state.historyCursor} top={state.historyTop} height={historyHeight} width={leftWidth} focused={state.focus === 'layers'} rangeStart={state.rangeStart} theme={theme} />
          <Box flexDirection="column" height={detailRows}>
            {detailLines.map((l, i) => (
              <Text key={i} dimColor={theme.dim}>
                {l}
              </Text>
            ))}
          </Box>
        </Box>
        <Box width={1} />
        <FileTreePane rows={rows} cursor={state.treeCursor} top={state.treeTop} height={treeHeight} width={rightWidth} focused={state.focus === 'tree'} attributes={state.attributes} title={treeTitle} status={treeStatus} theme={theme} />
      </Box>
    );
  }

  let bottom: React.ReactNode;
  if (state.overlay === 'filter') bottom = <PromptBar label={words.filterPrompt} value={state.draft} width={size.columns} theme={theme} />;
  else if (confirmOverwrite) bottom = <PromptBar label={words.overwritePrompt(confirmOverwrite)} value="" width={size.columns} theme={theme} />;
  else if (state.overlay === 'extract') bottom = <PromptBar label={words.extractPrompt(cursorRow?.path ?? '')} value={state.draft} width={size.columns} theme={theme} />;
  else bottom = <Text dimColor={theme.dim}>{fit(state.message ? `${noticeText(state.message, lang)}  ·  ${hints}` : hints, size.columns)}</Text>;

  return (
    <Box flexDirection="column" width={size.columns} height={frameRows}>
      <Text bold color={theme.accent}>
        {fit(header, size.columns)}
      </Text>
      {body}
      {bottom}
    </Box>
  );
}
