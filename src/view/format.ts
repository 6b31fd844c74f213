import stringWidth from 'string-width';
import { humanBytes, terminalSafe } from '../format.js';
import type { FileTypeName } from '../model/entry.js';
import type { TreeRow } from './tree-rows.js';
import { SINGLE_WIDTH } from './single-width.js';
import type { EngineRead, RegistryRead } from '../sources/types.js';

const TYPE_CHAR: Record<FileTypeName, string> = { file: '-', hardlink: '-', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p' };

/** "drwxr-sr-x", with setuid/setgid/sticky shown as s/S and t/T, as ls does. */
export function permissionString(type: FileTypeName, mode: string): string {
  const m = parseInt(mode, 8);
  const bit = (mask: number, ch: string) => (m & mask ? ch : '-');
  const special = (exec: boolean, set: boolean, on: string, off: string) => (set ? (exec ? on : off) : exec ? 'x' : '-');
  return (
    TYPE_CHAR[type] +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(Boolean(m & 0o100), Boolean(m & 0o4000), 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(Boolean(m & 0o010), Boolean(m & 0o2000), 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(Boolean(m & 0o001), Boolean(m & 0o1000), 't', 'T')
  );
}

export const CHANGE_MARK = { added: '+', modified: '~', removed: '-', unmodified: ' ' } as const;

/** One file tree line as text, full length (the pane fits it to its width; colour is the component's). */
export function treeRowText(row: TreeRow, attributes: boolean, markers: boolean): string {
  const n = row.node;
  const a = n.attrs;
  const size = a.type === 'dir' ? humanBytes(n.totalBytes) : humanBytes(a.sizeBytes);
  const attrs = attributes ? `${permissionString(a.type, a.mode)} ${`${a.uid}:${a.gid}`.padStart(9)} ${size.padStart(8)}  ` : '';
  const mark = markers ? `${CHANGE_MARK[n.change]} ` : '';
  const fold = row.collapsed ? '⊕ ' : '';
  const link = a.linkTarget !== null ? ` → ${terminalSafe(a.linkTarget)}` : '';
  return `${mark}${attrs}${row.guides}${fold}${terminalSafe(n.name)}${link}`;
}

/**
 * Cuts or pads to exactly `width` terminal columns (rows never wrap: wrapping would break the windowing).
 * Measured in display cells, so Korean, CJK and emoji names (two cells each) fit too.
 */
export function fit(raw: string, width: number): string {
  if (width <= 0) return '';
  let text = raw;
  let ascii = SINGLE_WIDTH.test(text);
  // Whatever is drawn is safe for the terminal: a control character from an image is shown as an escape.
  if (!ascii) {
    text = terminalSafe(text);
    ascii = SINGLE_WIDTH.test(text);
  }
  const cells = ascii ? text.length : stringWidth(text);
  if (cells <= width) return text + ' '.repeat(width - cells);
  if (ascii) return `${text.slice(0, Math.max(0, width - 1))}…`;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}${' '.repeat(Math.max(0, width - 1 - used))}…`;
}

/** Display width in terminal cells. */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

/** How an engine image was read, short for the header ("[engine store]", "[export]"); empty when no engine was read. */
export function engineReadTag(read: EngineRead | null): string {
  if (read === null || read.via === 'none') return '';
  return read.via === 'store' ? '  [engine store]' : '  [export]';
}

/** Where a registry image came from, in full, for the details box. */
export function registryReadLine(read: RegistryRead | null): string | null {
  if (read === null) return null;
  const t = read.transport;
  const how = t.scheme === 'http' ? 'plain http (--insecure or a registry on this machine)' : t.verified ? 'https, certificate verified' : 'https, certificate NOT verified (--insecure)';
  return `read: from the registry ${read.host} over ${how}, without pulling`;
}

/** How a registry was reached, for the header: said only when it was not verified https ("[plain http]"). */
export function registryReadTag(read: RegistryRead | null): string {
  if (read === null) return '';
  if (read.transport.scheme === 'http') return '  [plain http]';
  return read.transport.verified ? '' : '  [insecure TLS]';
}

/** The same in full, for the details box: where from, or why the export. */
export function engineReadLine(read: EngineRead | null): string | null {
  if (read === null) return null;
  if (read.via === 'none') return 'read: every layer was in fathom\'s store already (nothing read from the engine)';
  if (read.via === 'store') return `read: from ${read.from} (no export)`;
  return read.why ? `read: through the engine's export, because ${read.why}` : "read: through the engine's export (--engine-read export)";
}

/**
 * Wraps text into lines of at most `width` terminal cells: at spaces where it can (a word is never split
 * when it fits a line of its own), through a word only when the word is wider than a line, measuring by
 * display width (Korean and CJK take two cells). Newlines start new lines; nothing is lost.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    const flush = () => {
      out.push(line.trimEnd());
      line = '';
      lineWidth = 0;
    };
    for (const token of para.split(/(\s+)/)) {
      if (token === '') continue;
      const tokenWidth = cellWidth(token);
      if (/^\s+$/.test(token)) {
        // Spaces at a break are dropped; elsewhere they are kept as written.
        if (lineWidth > 0 && lineWidth + tokenWidth < w) {
          line += token;
          lineWidth += tokenWidth;
        } else if (lineWidth > 0) flush();
        continue;
      }
      if (lineWidth + tokenWidth <= w) {
        line += token;
        lineWidth += tokenWidth;
        continue;
      }
      if (lineWidth > 0) flush();
      if (tokenWidth <= w) {
        line = token;
        lineWidth = tokenWidth;
        continue;
      }
      // A word wider than a line: cut it by cells, a character at a time.
      for (const ch of token) {
        const chWidth = cellWidth(ch);
        if (lineWidth + chWidth > w) flush();
        line += ch;
        lineWidth += chWidth;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
