import type { HistoryRow } from '../model/image-model.js';
import type { KeyAction } from './keys.js';
import type { HiddenKinds, TreeSort } from './tree-rows.js';
import type { Notice } from './chrome-text.js';

export type Focus = 'layers' | 'tree';
/** ctrl+l: the selected layer's own changes; ctrl+a: everything from the range start (default: the base) up to it. */
export type CompareMode = 'layer' | 'aggregated';
export type Overlay = 'none' | 'help' | 'waste' | 'details' | 'viewer' | 'extract' | 'filter' | 'history';

/** Everything the image view remembers between keystrokes. Derived data (trees, rows) lives elsewhere. */
export interface ImageViewState {
  focus: Focus;
  /** Cursor over history rows (empty metadata rows included). */
  historyCursor: number;
  historyTop: number;
  mode: CompareMode;
  /** First layer of a compare range (marked with r); null = from the base. */
  rangeStart: number | null;
  treeCursor: number;
  treeTop: number;
  collapsed: ReadonlySet<string>;
  hidden: HiddenKinds;
  filter: string;
  sort: TreeSort;
  attributes: boolean;
  overlay: Overlay;
  /** Text typed into the filter bar or the extract prompt. */
  draft: string;
  wasteCursor: number;
  /** First line of the key list shown (clamped when drawn: the list's length is the overlay's). */
  helpScroll: number;
  /** What the footer says after the last key (worded when drawn, in the view's language). */
  message: Notice | null;
}

export function initialImageViewState(history: readonly HistoryRow[]): ImageViewState {
  // dive opens on the first layer; so do we.
  const first = Math.max(0, history.findIndex((h) => h.layerIndex !== null));
  return {
    focus: 'layers',
    historyCursor: first,
    historyTop: 0,
    mode: 'layer',
    rangeStart: null,
    treeCursor: 0,
    treeTop: 0,
    collapsed: new Set(),
    hidden: { added: false, modified: false, removed: false, unmodified: false },
    filter: '',
    sort: 'name',
    attributes: true,
    overlay: 'none',
    draft: '',
    wasteCursor: 0,
    helpScroll: 0,
    message: null,
  };
}

/** The layer a history row shows: its own, or for a metadata row the last layer made before it (-1: none yet). */
export function layerAtRow(history: readonly HistoryRow[], row: number): number {
  for (let i = Math.min(row, history.length - 1); i >= 0; i--) {
    const l = history[i].layerIndex;
    if (l !== null) return l;
  }
  return -1;
}

/** What the reducer needs to know about the screen and the derived rows. */
export interface ViewContext {
  historyRows: number;
  treeRows: number;
  /** Visible heights of the two lists. */
  historyHeight: number;
  treeHeight: number;
  wasteRows: number;
  /** Path and kind of the row under the tree cursor. */
  cursorPath: string | null;
  cursorIsDir: boolean;
  allDirectories: () => Set<string>;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** Keeps `cursor` inside the window [top, top + height). */
export function scrollTo(cursor: number, top: number, height: number): number {
  if (cursor < top) return cursor;
  if (cursor >= top + height) return cursor - height + 1;
  return top;
}

function moveTree(s: ImageViewState, by: number, ctx: ViewContext): ImageViewState {
  const cursor = clamp(s.treeCursor + by, 0, Math.max(0, ctx.treeRows - 1));
  return { ...s, treeCursor: cursor, treeTop: scrollTo(cursor, s.treeTop, ctx.treeHeight) };
}

function moveHistory(s: ImageViewState, by: number, ctx: ViewContext): ImageViewState {
  const cursor = clamp(s.historyCursor + by, 0, Math.max(0, ctx.historyRows - 1));
  if (cursor === s.historyCursor) return s;
  // A new layer means a new tree: start at its top.
  return { ...s, historyCursor: cursor, historyTop: scrollTo(cursor, s.historyTop, ctx.historyHeight), treeCursor: 0, treeTop: 0 };
}

function toggleHidden(s: ImageViewState, kind: keyof HiddenKinds): ImageViewState {
  const hidden = { ...s.hidden, [kind]: !s.hidden[kind] };
  return { ...s, hidden, treeCursor: 0, treeTop: 0, message: { kind: 'hidden', files: kind, hiding: hidden[kind] } };
}

/** One key action applied to the view (pure: the component only dispatches and draws). */
export function reduceImageView(s: ImageViewState, action: KeyAction, ctx: ViewContext): ImageViewState {
  const page = (h: number) => Math.max(1, h - 1);
  if (s.overlay === 'waste') {
    switch (action) {
      case 'up':
        return { ...s, wasteCursor: clamp(s.wasteCursor - 1, 0, Math.max(0, ctx.wasteRows - 1)) };
      case 'down':
        return { ...s, wasteCursor: clamp(s.wasteCursor + 1, 0, Math.max(0, ctx.wasteRows - 1)) };
      case 'page-down':
        return { ...s, wasteCursor: clamp(s.wasteCursor + 10, 0, Math.max(0, ctx.wasteRows - 1)) };
      case 'page-up':
        return { ...s, wasteCursor: clamp(s.wasteCursor - 10, 0, Math.max(0, ctx.wasteRows - 1)) };
      case 'close':
      case 'waste':
        return { ...s, overlay: 'none' };
      default:
        break;
    }
  }
  if (s.overlay === 'help') {
    const scroll = (to: number) => ({ ...s, helpScroll: Math.max(0, to) });
    switch (action) {
      case 'up':
        return scroll(s.helpScroll - 1);
      case 'down':
        return scroll(s.helpScroll + 1);
      case 'page-up':
        return scroll(s.helpScroll - 10);
      case 'page-down':
        return scroll(s.helpScroll + 10);
      case 'top':
        return scroll(0);
      case 'bottom':
        return scroll(Number.MAX_SAFE_INTEGER);
      default:
        break;
    }
  }
  if (s.overlay !== 'none' && (action === 'close' || action === 'back')) return { ...s, overlay: 'none', draft: '' };
  switch (action) {
    case 'toggle-view':
      return { ...s, focus: s.focus === 'layers' ? 'tree' : 'layers', overlay: 'none' };
    case 'help':
      return { ...s, overlay: s.overlay === 'help' ? 'none' : 'help', helpScroll: 0 };
    case 'waste':
      return { ...s, overlay: 'waste' };
    case 'filter-files':
      return { ...s, overlay: 'filter', draft: s.filter, focus: 'tree' };
    case 'close':
      return s.filter ? { ...s, filter: '', treeCursor: 0, treeTop: 0, message: { kind: 'filter', pattern: null } } : s;
    default:
      break;
  }
  if (s.focus === 'layers') {
    switch (action) {
      case 'up':
        return moveHistory(s, -1, ctx);
      case 'down':
        return moveHistory(s, 1, ctx);
      case 'page-up':
        return moveHistory(s, -page(ctx.historyHeight), ctx);
      case 'page-down':
        return moveHistory(s, page(ctx.historyHeight), ctx);
      case 'top':
        return moveHistory(s, -ctx.historyRows, ctx);
      case 'bottom':
        return moveHistory(s, ctx.historyRows, ctx);
      case 'compare-layer':
        return { ...s, mode: 'layer', rangeStart: null, treeCursor: 0, treeTop: 0, message: { kind: 'mode', mode: 'layer' } };
      case 'compare-all':
        return { ...s, mode: 'aggregated', treeCursor: 0, treeTop: 0, message: { kind: 'mode', mode: 'all' } };
      case 'range-start':
        return s.rangeStart === s.historyCursor
          ? { ...s, rangeStart: null, mode: 'layer', message: { kind: 'range', set: false } }
          : { ...s, rangeStart: s.historyCursor, mode: 'aggregated', treeCursor: 0, treeTop: 0, message: { kind: 'range', set: true } };
      case 'details':
      case 'open':
        return { ...s, overlay: 'details' };
      case 'right':
        return { ...s, focus: 'tree' };
      default:
        return s;
    }
  }
  switch (action) {
    case 'up':
      return moveTree(s, -1, ctx);
    case 'down':
      return moveTree(s, 1, ctx);
    case 'page-up':
      return moveTree(s, -page(ctx.treeHeight), ctx);
    case 'page-down':
      return moveTree(s, page(ctx.treeHeight), ctx);
    case 'top':
      return moveTree(s, -ctx.treeRows, ctx);
    case 'bottom':
      return moveTree(s, ctx.treeRows, ctx);
    case 'toggle-collapse-dir':
    case 'left':
    case 'right': {
      if (!ctx.cursorPath || !ctx.cursorIsDir) return action === 'left' ? { ...s, focus: 'layers' } : s;
      const folded = s.collapsed.has(ctx.cursorPath);
      if ((action === 'left' && folded) || (action === 'right' && !folded)) return s;
      const collapsed = new Set(s.collapsed);
      if (folded) collapsed.delete(ctx.cursorPath);
      else collapsed.add(ctx.cursorPath);
      return { ...s, collapsed };
    }
    case 'toggle-collapse-all-dir':
      return s.collapsed.size > 0 ? { ...s, collapsed: new Set(), treeTop: 0, treeCursor: 0 } : { ...s, collapsed: ctx.allDirectories(), treeCursor: 0, treeTop: 0 };
    case 'toggle-added-files':
      return toggleHidden(s, 'added');
    case 'toggle-removed-files':
      return toggleHidden(s, 'removed');
    case 'toggle-modified-files':
      return toggleHidden(s, 'modified');
    case 'toggle-unmodified-files':
      return toggleHidden(s, 'unmodified');
    case 'toggle-filetree-attributes':
      return { ...s, attributes: !s.attributes };
    case 'toggle-sort-order':
      return { ...s, sort: s.sort === 'name' ? 'size' : 'name', treeCursor: 0, treeTop: 0, message: { kind: 'sorted', by: s.sort === 'name' ? 'size' : 'name' } };
    case 'view-file':
    case 'open':
      if (ctx.cursorPath && ctx.cursorIsDir && action === 'view-file') return { ...s, message: { kind: 'is-dir', path: ctx.cursorPath, action: 'view' } };
      return ctx.cursorPath && !ctx.cursorIsDir ? { ...s, overlay: 'viewer' } : s;
    case 'extract-file':
      if (ctx.cursorPath && ctx.cursorIsDir) return { ...s, message: { kind: 'is-dir', path: ctx.cursorPath, action: 'extract' } };
      return ctx.cursorPath && !ctx.cursorIsDir ? { ...s, overlay: 'extract', draft: `./${ctx.cursorPath.split('/').pop()}` } : s;
    case 'details':
      return { ...s, message: { kind: 'details-needs-layers' } };
    case 'path-history':
      return ctx.cursorPath ? { ...s, overlay: 'history' } : s;
    default:
      return s;
  }
}

/** Typing into the filter bar or the extract prompt. */
/** A key typed into a prompt: a character, a backspace, or ctrl+u, which clears it (as in a shell). */
export function editDraft(s: ImageViewState, input: string, backspace: boolean, clear = false): ImageViewState {
  if (clear) return { ...s, draft: '' };
  if (backspace) return { ...s, draft: Array.from(s.draft).slice(0, -1).join('') };
  return { ...s, draft: s.draft + input };
}

export function applyFilter(s: ImageViewState): ImageViewState {
  return { ...s, filter: s.draft, overlay: 'none', draft: '', treeCursor: 0, treeTop: 0, message: { kind: 'filter', pattern: s.draft || null } };
}
