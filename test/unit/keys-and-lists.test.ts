import { describe, expect, it } from 'vitest';
import { splitKeys } from '../../src/view/keys.js';
import { listWindow, reduceList, type ListState } from '../../src/view/list-state.js';
import { parseFilter } from '../../src/view/filter.js';

describe('keys that arrive in one read', () => {
  it('a held key or a paste is each of its keys, in order', () => {
    expect(splitKeys('jjj', {}).map((k) => k.input)).toEqual(['j', 'j', 'j']);
    expect(splitKeys('/re$', {}).map((k) => k.input)).toEqual(['/', 'r', 'e', '$']);
    expect(splitKeys('ab\x7f\x7f\r', {}).map((k) => k.key)).toEqual([{ shift: false }, { shift: false }, { backspace: true }, { backspace: true }, { return: true }]);
    expect(splitKeys('G\x15', {})).toEqual([{ input: 'G', key: { shift: true } }, { input: 'u', key: { ctrl: true } }]);
    // Korean and emoji stay whole characters, not UTF-16 halves.
    expect(splitKeys('한🙂', {}).map((k) => k.input)).toEqual(['한', '🙂']);
  });

  it('one key, and escape sequences (arrows, mouse reports), pass through as they came', () => {
    expect(splitKeys('j', { shift: false })).toEqual([{ input: 'j', key: { shift: false } }]);
    expect(splitKeys('[<0;10;5M', {})).toEqual([{ input: '[<0;10;5M', key: {} }]);
    expect(splitKeys('', { downArrow: true })).toEqual([{ input: '', key: { downArrow: true } }]);
  });
});

describe('the image list: cursor and window agree whatever changes', () => {
  const start: ListState<'created' | 'size'> = { cursor: 0, top: 0, sort: 'created', filter: '', typing: false };
  it('G then a filter: the first match is selected and shown', () => {
    const atBottom = reduceList(start, { kind: 'move', to: (_c, _h, n) => n - 1 }, 100, 10);
    expect(atBottom).toMatchObject({ cursor: 99, top: 90 });
    const filtered = reduceList(atBottom, { kind: 'type', text: 'app' }, 100, 10);
    expect(listWindow(filtered, 4, 10)).toEqual({ cursor: 0, top: 0 });
  });

  it('a new sort starts at its top row', () => {
    const moved = reduceList(start, { kind: 'move', to: () => 50 }, 100, 10);
    expect(reduceList(moved, { kind: 'sort', sort: 'size' }, 100, 10)).toMatchObject({ cursor: 0, top: 0, sort: 'size' });
  });

  it('rows that go away or a taller terminal keep the cursor on a row, the window full', () => {
    expect(listWindow({ cursor: 99, top: 90 }, 20, 10)).toEqual({ cursor: 19, top: 10 });
    expect(listWindow({ cursor: 30, top: 25 }, 40, 30)).toEqual({ cursor: 30, top: 10 });
    expect(listWindow({ cursor: 5, top: 3 }, 0, 10)).toEqual({ cursor: 0, top: 0 });
  });
});

describe('what the panes draw is safe for the terminal', () => {
  it('fit shows control characters from an image as escapes, and keeps the width', async () => {
    const { fit } = await import('../../src/view/format.js');
    const drawn = fit('a\x1b]0;title\x07b\nc', 30);
    expect(drawn).not.toMatch(/[\x00-\x1f]/);
    expect(drawn.trimEnd()).toBe('a\\x1b]0;title\\x07b\\nc');
    expect(drawn).toHaveLength(30);
  });
});

describe('the footer', () => {
  it('shows the keys in force (remapped ones too) and as many whole hints as fit', async () => {
    const { KeyMap, withOverrides, footerHints } = await import('../../src/view/keys.js');
    const defaults = new KeyMap();
    expect(footerHints(defaults, 'layers', 200)).toBe('tab files  ^L layer  ^A all  r range  d details  w waste  ? keys  q quit');
    const narrow = footerHints(defaults, 'tree', 80);
    expect(narrow.length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/ \w+$/); // ends on a whole hint
    const remapped = new KeyMap(withOverrides({ 'toggle-added-files': 'ctrl+t', quit: 'ctrl+q' }));
    expect(footerHints(remapped, 'tree', 200)).toContain('^T hide added');
    expect(footerHints(remapped, 'tree', 200)).toContain('^Q quit');
  });
});

describe('the files filter as typed', () => {
  it('bare or between slashes (with flags), named once between slashes', () => {
    expect(parseFilter('re')).toMatchObject({ shown: '/re/', error: null });
    expect(parseFilter('/re/')).toMatchObject({ shown: '/re/', error: null });
    expect(parseFilter('/\\.SO$/i').re!.test('/lib/x.so')).toBe(true);
    expect(parseFilter('/a/b').re!.test('x/a/b')).toBe(true); // no closing slash: a path, matched as typed
    expect(parseFilter('(').error).toMatch(/^bad filter: /);
    expect(parseFilter('')).toEqual({ re: null, error: null, shown: '' });
  });
});
