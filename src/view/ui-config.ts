import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { FathomError } from '../errors.js';
import { KeyMap, withOverrides } from './keys.js';

export interface UiConfig {
  keymap: KeyMap;
  theme: string | undefined;
  /** Files that contributed, for the help screen. */
  sources: string[];
}

function readYaml(file: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return (YAML.parse(text) as Record<string, unknown>) ?? {};
  } catch (e) {
    throw new FathomError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Key bindings and theme: dive's `.dive.yaml` (./, ~/, $XDG_CONFIG_HOME/dive/) keybindings are honoured,
 * then fathom's own ~/.config/fathom/config.yaml ({keybinding: {...}, theme: default|high-contrast|no-color}).
 */
export function loadUiConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): UiConfig {
  const configHome = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  const candidates = [
    path.join(configHome, 'dive', '.dive.yaml'),
    path.join(configHome, 'dive', 'dive.yaml'),
    path.join(os.homedir(), '.dive.yaml'),
    path.join(cwd, '.dive.yaml'),
    env.FATHOM_CONFIG || path.join(configHome, 'fathom', 'config.yaml'),
  ];
  const overrides: Record<string, string | string[]> = {};
  let theme: string | undefined;
  const sources: string[] = [];
  for (const file of candidates) {
    const doc = readYaml(file);
    if (!doc) continue;
    sources.push(file);
    const kb = doc.keybinding as Record<string, string | string[]> | undefined;
    if (kb && typeof kb === 'object') Object.assign(overrides, kb);
    if (typeof doc.theme === 'string') theme = doc.theme;
  }
  return { keymap: new KeyMap(withOverrides(overrides)), theme, sources };
}
