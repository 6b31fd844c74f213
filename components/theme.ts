import type { ChangeKind } from '../src/union/changes.js';

/** Colours per meaning; `markers` adds +/~/- beside paths for themes (and readers) that can't rely on colour. */
export interface Theme {
  name: 'default' | 'high-contrast' | 'no-color';
  change: Record<ChangeKind, string | undefined>;
  accent: string | undefined;
  dim: boolean;
  markers: boolean;
  bold: boolean;
}

export const THEMES: Record<Theme['name'], Theme> = {
  default: { name: 'default', change: { added: 'green', modified: 'yellow', removed: 'red', unmodified: undefined }, accent: 'cyan', dim: true, markers: false, bold: false },
  'high-contrast': {
    name: 'high-contrast',
    change: { added: 'greenBright', modified: 'yellowBright', removed: 'redBright', unmodified: 'whiteBright' },
    accent: 'cyanBright',
    dim: false,
    markers: true,
    bold: true,
  },
  'no-color': { name: 'no-color', change: { added: undefined, modified: undefined, removed: undefined, unmodified: undefined }, accent: undefined, dim: false, markers: true, bold: false },
};

/** NO_COLOR (https://no-color.org) wins over any configured theme. */
export function pickTheme(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): Theme {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return THEMES['no-color'];
  return THEMES[(configured as Theme['name']) ?? 'default'] ?? THEMES.default;
}
