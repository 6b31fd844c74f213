import { KO_HINT_WORDS, type UiLang } from './chrome-text.js';
import { cellWidth } from './format.js';
/** The key facts Ink reports for one keypress (a subset of its Key, so this stays testable without Ink). */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
  home?: boolean;
  end?: boolean;
}

/** Where a binding applies: dive binds ctrl+a to "compare all" over layers and "toggle added" over files. */
export type KeyScope = 'global' | 'layers' | 'tree';

export type KeyAction =
  | 'quit'
  | 'toggle-view'
  | 'filter-files'
  | 'close'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'compare-layer'
  | 'compare-all'
  | 'range-start'
  | 'toggle-collapse-dir'
  | 'toggle-collapse-all-dir'
  | 'toggle-added-files'
  | 'toggle-removed-files'
  | 'toggle-modified-files'
  | 'toggle-unmodified-files'
  | 'toggle-filetree-attributes'
  | 'toggle-sort-order'
  | 'toggle-wrap-tree'
  | 'extract-file'
  | 'view-file'
  | 'path-history'
  | 'waste'
  | 'details'
  | 'help'
  | 'open'
  | 'back';

interface Binding {
  action: KeyAction;
  scope: KeyScope;
  keys: string[];
}

/** dive's defaults (its config names), then fathom's additions; vim keys beside the arrows. */
export const DEFAULT_BINDINGS: Binding[] = [
  { action: 'quit', scope: 'global', keys: ['ctrl+c', 'q'] },
  { action: 'toggle-view', scope: 'global', keys: ['tab'] },
  { action: 'filter-files', scope: 'global', keys: ['ctrl+f', '/'] },
  { action: 'close', scope: 'global', keys: ['esc'] },
  { action: 'up', scope: 'global', keys: ['up', 'k'] },
  { action: 'down', scope: 'global', keys: ['down', 'j'] },
  { action: 'left', scope: 'global', keys: ['left', 'h'] },
  { action: 'right', scope: 'global', keys: ['right', 'l'] },
  { action: 'page-up', scope: 'global', keys: ['pgup', 'ctrl+u'] },
  { action: 'page-down', scope: 'global', keys: ['pgdn', 'ctrl+d'] },
  { action: 'top', scope: 'global', keys: ['home', 'g'] },
  { action: 'bottom', scope: 'global', keys: ['end', 'G'] },
  { action: 'compare-layer', scope: 'layers', keys: ['ctrl+l'] },
  { action: 'compare-all', scope: 'layers', keys: ['ctrl+a'] },
  { action: 'range-start', scope: 'layers', keys: ['r'] },
  { action: 'toggle-collapse-dir', scope: 'tree', keys: ['space'] },
  { action: 'toggle-collapse-all-dir', scope: 'tree', keys: ['ctrl+space', 'z'] },
  { action: 'toggle-added-files', scope: 'tree', keys: ['ctrl+a'] },
  { action: 'toggle-removed-files', scope: 'tree', keys: ['ctrl+r'] },
  // ctrl+m is Enter on a terminal; dive binds it anyway, so Enter on a file keeps doing that, and m does too.
  { action: 'toggle-modified-files', scope: 'tree', keys: ['ctrl+m', 'm'] },
  { action: 'toggle-unmodified-files', scope: 'tree', keys: ['ctrl+u', 'u'] },
  { action: 'toggle-filetree-attributes', scope: 'tree', keys: ['ctrl+b', 'b'] },
  { action: 'toggle-sort-order', scope: 'tree', keys: ['ctrl+o', 's'] },
  { action: 'extract-file', scope: 'tree', keys: ['ctrl+e', 'x'] },
  { action: 'view-file', scope: 'tree', keys: ['v'] },
  { action: 'path-history', scope: 'tree', keys: ['t'] },
  { action: 'waste', scope: 'global', keys: ['w'] },
  { action: 'details', scope: 'layers', keys: ['d', 'enter'] },
  // In the files pane d has no layer to show: it says where to press it instead of doing nothing.
  { action: 'details', scope: 'tree', keys: ['d'] },
  { action: 'help', scope: 'global', keys: ['?', 'f1'] },
  { action: 'open', scope: 'global', keys: ['enter'] },
  { action: 'back', scope: 'global', keys: ['backspace'] },
];

/** dive's `.dive.yaml` keybinding names that differ from fathom's action names. */
const DIVE_NAMES: Record<string, KeyAction> = {
  'toggle-added-files': 'toggle-added-files',
  'toggle-removed-files': 'toggle-removed-files',
  'toggle-modified-files': 'toggle-modified-files',
  'toggle-unmodified-files': 'toggle-unmodified-files',
  'toggle-filetree-attributes': 'toggle-filetree-attributes',
  'close-filter-files': 'close',
};

/** The name of a keypress as bindings spell it: "ctrl+a", "tab", "pgdn", "j", "G". */
export function keyName(input: string, key: KeyInfo): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return 'tab';
  if (key.escape) return 'esc';
  if (key.return) return 'enter';
  if (key.backspace || key.delete) return 'backspace';
  if (input === '\u0000') return 'ctrl+space';
  if (input === ' ') return key.ctrl ? 'ctrl+space' : 'space';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (input === '\u001bOP' || input === '[11~') return 'f1';
  return input;
}

export class KeyMap {
  private readonly byScope = new Map<KeyScope, Map<string, KeyAction[]>>();

  constructor(bindings: Binding[] = DEFAULT_BINDINGS) {
    for (const b of bindings) {
      const scope = this.byScope.get(b.scope) ?? new Map<string, KeyAction[]>();
      for (const k of b.keys) scope.set(k, [...(scope.get(k) ?? []), b.action]);
      this.byScope.set(b.scope, scope);
    }
  }

  /** The action for a key: the focused pane's binding wins over a global one. */
  resolve(name: string, scope: KeyScope): KeyAction | null {
    return this.byScope.get(scope)?.get(name)?.[0] ?? this.byScope.get('global')?.get(name)?.[0] ?? null;
  }

  /** Every binding, for the help screen. */
  describe(): { action: KeyAction; scope: KeyScope; keys: string[] }[] {
    const out = new Map<string, { action: KeyAction; scope: KeyScope; keys: string[] }>();
    for (const [scope, map] of this.byScope) {
      for (const [key, actions] of map) {
        for (const action of actions) {
          const id = `${scope}:${action}`;
          const entry = out.get(id) ?? { action, scope, keys: [] };
          entry.keys.push(key);
          out.set(id, entry);
        }
      }
    }
    return [...out.values()];
  }
}

/**
 * Applies user overrides ({"toggle-added-files": "ctrl+a, a"}) from fathom's config or dive's
 * `keybinding:` section: an override replaces that action's default keys.
 */
export function withOverrides(overrides: Record<string, string | string[]>): Binding[] {
  const parsed = new Map<KeyAction, string[]>();
  for (const [name, value] of Object.entries(overrides)) {
    const action = (DIVE_NAMES[name] ?? name) as KeyAction;
    if (!DEFAULT_BINDINGS.some((b) => b.action === action)) continue;
    const keys = (Array.isArray(value) ? value : String(value).split(',')).map((k) => k.trim().toLowerCase().replace(/^page(up|down)$/, (_, d) => (d === 'up' ? 'pgup' : 'pgdn'))).filter(Boolean);
    parsed.set(action, keys);
  }
  return DEFAULT_BINDINGS.map((b) => (parsed.has(b.action) ? { ...b, keys: parsed.get(b.action)! } : b));
}

/** One key out of a chunk of input: what the handlers take (Ink's own shape, less what fathom ignores). */
export interface SplitKey {
  input: string;
  key: KeyInfo;
}

/** The key one typed character stands for: control characters are Enter, Tab, Backspace, Esc or ctrl+letter. */
function keyOfChar(ch: string): SplitKey {
  const code = ch.codePointAt(0)!;
  if (ch === '\r' || ch === '\n') return { input: '', key: { return: true } };
  if (ch === '\t') return { input: '', key: { tab: true } };
  if (ch === '\x7f' || ch === '\b') return { input: '', key: { backspace: true } };
  if (ch === '\x1b') return { input: '', key: { escape: true, meta: true } };
  if (code === 0) return { input: '\u0000', key: { ctrl: true } };
  if (code < 0x20) return { input: String.fromCharCode(code + 0x60), key: { ctrl: true } };
  return { input: ch, key: { shift: ch !== ch.toLowerCase() } };
}

/**
 * Splits what arrived in one read into keys, in order. A held key, a slow or remote terminal, or a paste
 * delivers several characters at once ("jjjj", "/regex", sixteen backspaces), and Ink hands them over as
 * one input; escape sequences (arrows, mouse reports) already come one per input and pass through whole.
 */
export function splitKeys(input: string, key: KeyInfo): SplitKey[] {
  const chars = Array.from(input);
  if (chars.length <= 1 || input.startsWith('\x1b') || input.startsWith('[')) return [{ input, key }];
  return chars.map(keyOfChar);
}

/** What the footer offers, pane by pane: an action and the word for it. */
const HINTS: Record<'layers' | 'tree', [KeyAction, string][]> = {
  layers: [['toggle-view', 'files'], ['compare-layer', 'layer'], ['compare-all', 'all'], ['range-start', 'range'], ['details', 'details'], ['waste', 'waste'], ['help', 'keys'], ['quit', 'quit']],
  tree: [['toggle-view', 'layers'], ['toggle-collapse-dir', 'fold'], ['filter-files', 'filter'], ['view-file', 'view'], ['extract-file', 'extract'], ['help', 'keys'], ['quit', 'quit'], ['toggle-sort-order', 'sort'], ['toggle-filetree-attributes', 'attrs'], ['path-history', 'history'], ['toggle-added-files', 'hide added'], ['waste', 'waste']],
};

/** A key as the footer shows it: "ctrl+l" → "^L". */
function shortKey(key: string): string {
  return key.startsWith('ctrl+') && key.length === 6 ? `^${key.slice(5).toUpperCase()}` : key;
}

/**
 * The footer's hints from the bindings in force (remapped keys included), as many whole hints as fit in
 * `width`: the most used first, none cut in half.
 */
export function footerHints(keymap: KeyMap, focus: 'layers' | 'tree', width: number, lang: UiLang = 'en'): string {
  const keysOf = new Map<string, string[]>();
  for (const b of keymap.describe()) if (b.scope === focus || b.scope === 'global') keysOf.set(b.action, [...(keysOf.get(b.action) ?? []), ...b.keys]);
  let out = '';
  // Most used first: what fits at 80 columns includes keys and quit.
  for (const [action, word] of HINTS[focus]) {
    // The shortest key that does it here (q over ctrl+c); none when remapped away or taken by another action.
    const key = (keysOf.get(action) ?? []).filter((k) => keymap.resolve(k, focus) === action).sort((a, b) => shortKey(a).length - shortKey(b).length)[0];
    if (!key) continue;
    const hint = `${shortKey(key)} ${lang === 'ko' ? (KO_HINT_WORDS[word] ?? word) : word}`;
    const next = out ? `${out}  ${hint}` : hint;
    // By display width: a Korean word takes two cells a character.
    if (cellWidth(next) > width) break;
    out = next;
  }
  return out;
}
