/** A mouse event from xterm's SGR mouse mode (enabled with \x1b[?1000h\x1b[?1006h). Coordinates are 1-based. */
export type MouseEvent = { kind: 'click'; x: number; y: number } | { kind: 'wheel'; x: number; y: number; delta: -1 | 1 };

/** Finds SGR mouse reports ("\x1b[<b;x;yM") in what the terminal sent; Ink hands them over as input text. */
export function parseMouse(input: string): MouseEvent[] {
  const out: MouseEvent[] = [];
  // eslint-disable-next-line no-control-regex
  const re = /(?:\u001b)?\[<(\d+);(\d+);(\d+)([Mm])/g;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    const button = Number(m[1]);
    const x = Number(m[2]);
    const y = Number(m[3]);
    if (button === 64 || button === 65) out.push({ kind: 'wheel', x, y, delta: button === 64 ? -1 : 1 });
    else if (m[4] === 'M' && (button & 3) === 0 && !(button & 32)) out.push({ kind: 'click', x, y });
  }
  return out;
}
