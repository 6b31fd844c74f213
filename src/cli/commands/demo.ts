import React from 'react';
import { render } from 'ink';
import { FathomError } from '../../errors.js';
import { pickTheme } from '../../../components/theme.js';
import { DemoScreen } from '../../../components/screens/DemoScreen.js';
import { useTerminalSize } from '../../../components/hooks/useTerminalSize.js';
import { TooSmall, tooSmall } from '../../../components/TooSmall.js';
import { prepareDemo } from '../../../demo/world.js';
import { TOUR, type Lang } from '../../../demo/tour.js';
import { loadUiConfig } from '../../view/ui-config.js';
import { commandHelp } from '../help.js';
import { parse } from '../parse.js';
import { openStore } from '../open-source.js';
import { layoutEngineReady } from '../../view/layout-engine.js';

/** `fathom demo`: the narrated layering tour, on the real panes, with no Docker daemon. */
export async function runDemo(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { step: { type: 'string' }, autoplay: { type: 'boolean' }, pace: { type: 'string' }, lang: { type: 'string' }, docker: { type: 'boolean' }, store: { type: 'string' }, theme: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    'demo',
  );
  if (values.help) {
    process.stdout.write(commandHelp('demo'));
    return 0;
  }
  const lang = (values.lang ?? 'en') as Lang;
  if (lang !== 'en' && lang !== 'ko') throw new FathomError(`demo: --lang must be en or ko (got "${values.lang}")`);
  const step = values.step === undefined ? 1 : Number(values.step);
  if (!Number.isInteger(step) || step < 1 || step > TOUR.length) throw new FathomError(`demo: --step must be 1..${TOUR.length} (got "${values.step}")`);
  const pace = values.autoplay ? (values.pace === undefined ? 8 : Number(values.pace)) : null;
  if (pace !== null && (!Number.isFinite(pace) || pace <= 0)) throw new FathomError(`demo: --pace must be a positive number of seconds (got "${values.pace}")`);
  if (values.docker) {
    const { runDockerDemo } = await import('../../../demo/docker-demo.js');
    return runDockerDemo({ store: values.store as string | undefined, lang, step, pace, theme: values.theme as string | undefined });
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) throw new FathomError('demo: needs a terminal (run it in one; `fathom demo --help` for options)');

  const store = openStore(values.store as string | undefined);
  const world = await prepareDemo(store);
  const config = loadUiConfig();
  const theme = pickTheme((values.theme as string | undefined) ?? config.theme);
  process.stdout.write('\x1b[?1049h\x1b[H');
  const restore = () => process.stdout.write('\x1b[?1049l\x1b[?25h');
  process.once('exit', restore);
  process.once('SIGINT', () => {
    restore();
    process.exit(130);
  });
  process.once('SIGTERM', () => {
    restore();
    process.exit(143);
  });
  function Demo() {
    const size = useTerminalSize();
    if (tooSmall(size)) return React.createElement(TooSmall, { size, onQuit: () => app.unmount() });
    return React.createElement(DemoScreen, { world, steps: TOUR, lang, start: step - 1, pace, keymap: config.keymap, theme, size, onQuit: () => app.unmount() });
  }
  await layoutEngineReady();
  const app = render(React.createElement(Demo), { exitOnCtrlC: true, patchConsole: true, maxFps: 30 });
  await app.waitUntilExit();
  restore();
  setImmediate(() => process.exit(0));
  return 0;
}
