import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type blessedType from 'blessed';

// blessed and blessed-contrib load on the first chart: startup never pays for them, and they stay
// out of the bundle (blessed requires its widgets and terminfo by computed paths).
let libs: { blessed: typeof blessedType; contrib: { bar: (o: unknown) => unknown; gauge: (o: unknown) => unknown } } | null = null;
function load() {
  if (!libs) {
    const require = createRequire(import.meta.url);
    libs = { blessed: require('blessed') as typeof blessedType, contrib: require('blessed-contrib') as never };
  }
  return libs;
}

/**
 * blessed-contrib charts inside Ink: both want the terminal, so the chart is drawn on an off-screen
 * blessed screen over in-memory streams and its screenshot (an SGR string) is shown in an Ink <Text>.
 * About 15-20 ms a chart, so results are memoised on (kind, data, size).
 */
const cache = new Map<string, string>();
const MAX_CACHED = 64;

function offscreen(width: number, height: number): blessedType.Widgets.Screen {
  const output = Object.assign(new PassThrough(), { columns: width, rows: height, isTTY: true });
  output.resume(); // nothing reads the escape codes blessed writes: let them drain
  return load().blessed.screen({ input: new PassThrough(), output: output as unknown as NodeJS.WriteStream, terminal: 'xterm-256color', warnings: false, autoPadding: false, fullUnicode: true });
}

function remember(key: string, draw: () => string): string {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const shot = draw();
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, shot);
  return shot;
}

function trimRight(shot: string): string {
  return shot
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/** A vertical bar chart (e.g. image / writable / virtual sizes): titles under the bars, human sizes below. */
export function barChart(titles: string[], values: number[], valueLabels: string[], width: number, height: number): string {
  return remember(`bar:${titles.join('|')}:${values.join('|')}:${valueLabels.join('|')}:${width}x${height}`, () => {
    const screen = offscreen(width, height);
    try {
      const max = Math.max(...values, 1);
      const slot = Math.floor((width - 2) / titles.length);
      const bar = load().contrib.bar({ width, height, left: 0, top: 0, barWidth: Math.max(3, slot - 3), barSpacing: 3, xOffset: 1, maxHeight: max, showText: false, barBgColor: 'blue', barFgColor: 'white', labelColor: 'white' } as never);
      screen.append(bar as never);
      (bar as unknown as { setData(d: { titles: string[]; data: number[] }): void }).setData({ titles, data: values });
      screen.render();
      // blessed-contrib prints raw numbers inside the bars; put the human sizes underneath instead.
      return `${trimRight(screen.screenshot(0, width, 0, height))}\n${valueLabels.map((l, i) => `${titles[i]}: ${l}`).join('\n')}`;
    } finally {
      screen.destroy();
    }
  });
}

/** A horizontal gauge (e.g. the efficiency score). */
export function gauge(percent: number, label: string, width: number): string {
  const p = Math.round(Math.max(0, Math.min(100, percent)));
  return remember(`gauge:${p}:${label}:${width}`, () => {
    const screen = offscreen(width, 4);
    try {
      const g = load().contrib.gauge({ width, height: 4, left: 0, top: 0, label, stroke: p >= 90 ? 'green' : p >= 70 ? 'yellow' : 'red', fill: 'white' } as never);
      screen.append(g as never);
      (g as unknown as { setPercent(n: number): void }).setPercent(p);
      screen.render();
      return trimRight(screen.screenshot(0, width, 0, 4));
    } finally {
      screen.destroy();
    }
  });
}

/** Colourless bars for NO_COLOR, where blessed's coloured cells would be blank: "image    ████████ 5MB". */
export function textBars(titles: string[], values: number[], valueLabels: string[], width: number): string {
  const max = Math.max(...values, 1);
  const label = Math.max(...titles.map((t) => t.length));
  const room = Math.max(4, width - label - 12);
  return titles.map((t, i) => `${t.padEnd(label)} ${'█'.repeat(Math.round((values[i] / max) * room))} ${valueLabels[i]}`).join('\n');
}

/** Strips SGR codes, for tests and NO_COLOR. */
export function plain(shot: string): string {
  // eslint-disable-next-line no-control-regex
  return shot.replace(/\u001b\[[0-9;]*m/g, '');
}
