import { scrollTo } from './image-view-state.js';

/** A scrolled list with a cursor, a sort and a typed filter: the image list's state. */
export interface ListState<Sort extends string> {
  cursor: number;
  top: number;
  sort: Sort;
  filter: string;
  /** The filter prompt is open: keys are typed into it. */
  typing: boolean;
}

export type ListAction<Sort extends string> =
  | { kind: 'move'; to: (cursor: number, height: number, length: number) => number }
  | { kind: 'sort'; sort: Sort }
  | { kind: 'type'; text: string }
  | { kind: 'erase' }
  | { kind: 'clear-filter' }
  | { kind: 'typing'; on: boolean };

/**
 * The list's next state. Whatever changes what is shown (a sort, a filter, rows that come and go, a
 * resize) leaves a cursor and a window that agree: the cursor on a shown row, the window around it.
 */
export function reduceList<Sort extends string>(s: ListState<Sort>, action: ListAction<Sort>, length: number, height: number): ListState<Sort> {
  switch (action.kind) {
    case 'move': {
      const cursor = clampCursor(action.to(s.cursor, height, length), length);
      return { ...s, cursor, top: scrollTo(cursor, s.top, height) };
    }
    // A new order or a new filter starts at its first row: the old position means nothing in it.
    case 'sort':
      return { ...s, sort: action.sort, cursor: 0, top: 0 };
    case 'type':
      return { ...s, filter: s.filter + action.text, cursor: 0, top: 0 };
    case 'erase':
      return { ...s, filter: s.filter.slice(0, -1), cursor: 0, top: 0 };
    case 'clear-filter':
      return { ...s, filter: '', cursor: 0, top: 0 };
    case 'typing':
      return { ...s, typing: action.on };
  }
}

/** The cursor and window to draw for `length` rows in `height` lines, whatever changed since the last key. */
export function listWindow(s: { cursor: number; top: number }, length: number, height: number): { cursor: number; top: number } {
  const cursor = clampCursor(s.cursor, length);
  const maxTop = Math.max(0, length - height);
  const top = Math.min(scrollTo(cursor, Math.min(s.top, maxTop), height), maxTop);
  return { cursor, top };
}

function clampCursor(cursor: number, length: number): number {
  return Math.max(0, Math.min(length - 1, cursor));
}
