import React from 'react';
import { render } from 'ink';
import { FathomError } from '../src/errors.js';
import { connect } from '../src/sources/engine/connection.js';
import { openStore } from '../src/cli/open-source.js';
import { loadUiConfig } from '../src/view/ui-config.js';
import { pickTheme } from '../components/theme.js';
import { DemoScreen } from '../components/screens/DemoScreen.js';
import { useTerminalSize } from '../components/hooks/useTerminalSize.js';
import { TooSmall, tooSmall } from '../components/TooSmall.js';
import { prepareDockerDemo, removeDemoLeftovers } from './docker-world.js';
import { TOUR } from './tour.js';
import { layoutEngineReady } from '../src/view/layout-engine.js';

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
  // A signal while the images are built or the container committed still leaves the engine clean.
  const duringPrepare = (code: number) => () => void removeDemoLeftovers(engine).finally(() => process.exit(code));
  const prepareHandlers = ([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const).map(([signal, code]) => [signal, duringPrepare(code)] as const);
  for (const [signal, handler] of prepareHandlers) process.once(signal, handler);
  const world = await prepareDockerDemo(store, engine, (msg) => process.stderr.write(`\r\x1b[Kdemo --docker: ${msg}…`));
  for (const [signal, handler] of prepareHandlers) process.off(signal, handler);
  process.stderr.write('\r\x1b[K');
  const config = loadUiConfig();
  const theme = pickTheme(opts.theme ?? config.theme);
  process.stdout.write('\x1b[?1049h\x1b[H');
  const restore = () => process.stdout.write('\x1b[?1049l\x1b[?25h');
  process.once('exit', restore);
  let app: ReturnType<typeof render> | null = null;
  let closing: Promise<void> | null = null;
  // Every way out removes the tour's containers and committed image first: quit, an error, a signal.
  const cleanup = () => (closing ??= (async () => {
    // No frame may follow the terminal's restore: the tour is unmounted first.
    app?.unmount();
    restore();
    await world.close();
  })());
  // `on`, not `once`: Ink's signal-exit kills the process at once when it finds itself the signal's last
  // listener, and a `once` listener is gone by then. cleanup() runs once however often it is asked.
  let signalled: number | null = null;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      signalled = code;
      void cleanup().finally(() => process.exit(code));
    });
  }
  function Demo() {
    const size = useTerminalSize();
    if (tooSmall(size)) return React.createElement(TooSmall, { size, onQuit: () => app?.unmount() });
    return React.createElement(DemoScreen, { world, steps: TOUR, lang: opts.lang, start: opts.step - 1, pace: opts.pace, keymap: config.keymap, theme, size, onQuit: () => app?.unmount() });
  }
  try {
    // The panes lay out with yoga, which loads on its own: render only once it is there.
    await layoutEngineReady();
    const shown = render(React.createElement(Demo), { exitOnCtrlC: true, patchConsole: true, maxFps: 30 });
    app = shown;
    await shown.waitUntilExit();
  } finally {
    await cleanup();
  }
  // The engine's connections (keep-alive) must not hold the tour open once it is over.
  setImmediate(() => process.exit(signalled ?? 0));
  return 0;
}
