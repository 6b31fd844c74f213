/** Sizes as the docker CLI prints them: decimal units, 3 significant digits ("65.6kB", "5.2MB"). */
export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(value) : String(Number(value.toPrecision(3)));
  return `${text}${units[unit]}`;
}

/** Reads "20MB", "20 MiB", "1.5GB", "512" (bytes) as go-humanize's ParseBytes does. */
export function parseBytes(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtpe]?)(i?)(b?)\s*$/i.exec(text);
  if (!m) return null;
  const [, num, prefix, binary] = m;
  const power = ' kmgtpe'.indexOf(prefix.toLowerCase() || ' ');
  const base = binary ? 1024 : 1000;
  return Math.round(Number(num) * base ** power);
}

/**
 * A fraction as a percentage with `digits` decimals, or more where fewer would round it onto 100 % or
 * 0 % without being so: "99.9998 %", never "100.0 %" beside a nonzero waste.
 */
export function percent(fraction: number, digits = 4): string {
  const value = fraction * 100;
  let d = digits;
  let text = value.toFixed(d);
  const boundary = (t: string) => (Number(t) === 100 && value < 100) || (Number(t) === 0 && value > 0);
  while (boundary(text) && d < 8) text = value.toFixed(++d);
  // Past 8 decimals the value is that close: say which side it is on rather than print the boundary.
  if (boundary(text)) text = value < 100 && value > 50 ? `${(100 - 10 ** -d).toFixed(d)}` : `${(10 ** -d).toFixed(d)}`;
  return `${text} %`;
}

// Controls, and the escaped bytes of a name that is not UTF-8 (U+DC80..U+DCFF on their own: name-bytes.ts).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|(?<![\ud800-\udbff])[\udc80-\udcff]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]|(?<![\ud800-\udbff])[\udc80-\udcff]/g;

function escapeUnit(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  // An escaped byte shows as the byte it stands for, as GNU tar shows a name that is not UTF-8.
  return `\\x${(code >= 0xdc80 ? code - 0xdc00 : code).toString(16).padStart(2, '0')}`;
}

/**
 * Text from an image (names, history, tags, file contents) made safe for a terminal: control characters
 * (ESC, OSC's BEL, newlines, C1 controls) are shown as escapes, so nothing from an image can move the
 * cursor, retitle the window or start a forged line of its own. The bytes of a name that is not UTF-8
 * show as `\xff`, so two names that differ only there look different.
 */
export function terminalSafe(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, escapeUnit);
}

/** Lines for a terminal, each made safe on its own (the newlines between them are fathom's). */
export function terminalLines(lines: readonly string[]): string {
  return `${lines.map(terminalSafe).join('\n')}\n`;
}
