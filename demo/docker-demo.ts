import React from 'react';
import { render } from 'ink';
import { FathomError } from '../src/errors.js';
import { connect } from '../src/sources/engine/connection.js';
import { openStore } from '../src/cli/open-source.js';
import { loadUiConfig } from '../src/view/ui-config.js';
import { pickTheme } from '../components/theme.js';
import { DemoScreen } from '../components/screens/DemoScreen.js';
import { useTerminalSize } from '../components/hooks/useTerminalSize.js';
import { prepareDockerDemo } from './docker-world.js';
import { TOUR } from './tour.js';

export interface DockerDemoOptions {
  store?: string;
  lang: 'en' | 'ko';
  step: number;
  pace: number | null;
  theme?: string;
  host?: string;
}

/** `fathom demo --docker`: the same tour, its images built by the engine and its container real. */
export async function runDockerDemo(opts: DockerDemoOptions): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) throw new FathomError('demo: needs a terminal');
  const store = openStore(opts.store);
  const engine = connect('docker', opts.host);
  const world = await prepareDockerDemo(store, engine, (msg) => process.stderr.write(`\r\x1b[Kdemo --docker: ${msg}…`));
  process.stderr.write('\r\x1b[K');
  const config = loadUiConfig();
  const theme = pickTheme(opts.theme ?? config.theme);
  process.stdout.write('\x1b[?1049h\x1b[H');
  const restore = () => process.stdout.write('\x1b[?1049l\x1b[?25h');
  const cleanup = () => {
    restore();
    world.close();
  };
  process.once('exit', restore);
  process.once('SIGINT', () => {
    cleanup();
    setTimeout(() => process.exit(130), 300);
  });
  function Demo() {
    const size = useTerminalSize();
    return React.createElement(DemoScreen, { world, steps: TOUR, lang: opts.lang, start: opts.step - 1, pace: opts.pace, keymap: config.keymap, theme, size, onQuit: () => app.unmount() });
  }
  const app = render(React.createElement(Demo), { exitOnCtrlC: true, patchConsole: true, maxFps: 30 });
  await app.waitUntilExit();
  cleanup();
  // Give the engine a moment to remove the demo's containers.
  setTimeout(() => process.exit(0), 500);
  return 0;
}
