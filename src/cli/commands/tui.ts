import fs from 'node:fs';
import React from 'react';
import { render } from 'ink';
import { terminalSafe } from '../../format.js';
import { FathomError } from '../../errors.js';
import { App, type StartAt } from '../../../components/App.js';
import { pickTheme } from '../../../components/theme.js';
import { loadUiConfig } from '../../view/ui-config.js';
import { OPEN_OPTIONS, parse } from '../parse.js';
import { openStore } from '../open-source.js';
import { realIo } from '../real-io.js';
import { commandHelp } from '../help.js';
import { parseSourceSpec } from '../../sources/source-spec.js';
import type { RegistryHost } from '../../sources/registry/reference.js';
import { openBeforeFirstFrame } from '../../view/pending-open.js';
import { layoutEngineReady } from '../../view/layout-engine.js';
import { firstFrameDrawn } from '../../view/first-frame.js';

/** How long the first frame may wait for an image to open: a stored one opens well within it. */
const FIRST_FRAME_WAIT_MS = 150;
/** How long it may wait for a first look that is being made (see openBeforeFirstFrame). */
const FIRST_LOOK_WAIT_MS = 400;

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';
// Button press/release and wheel, in SGR encoding (coordinates past column 223 work).
const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
const MOUSE_OFF = '\x1b[?1000l\x1b[?1006l';

/** `registry://HOST` with no repository: the registry to list, not an image to open. */
function browsedRegistry(input: string): RegistryHost | null {
  if (!input.startsWith('registry://')) return null;
  const spec = parseSourceSpec(input);
  return spec.kind === 'registry' && spec.repository === null ? spec.host : null;
}

/** `fathom`, `fathom SOURCE`, `fathom A B`, `fathom containers`: the interactive UI. */
export async function runTui(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPEN_OPTIONS, theme: { type: 'string' }, podman: { type: 'boolean' }, 'no-mouse': { type: 'boolean' } }, 'fathom');
  if (values.help) {
    process.stdout.write(commandHelp('fathom'));
    return 0;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    // What a script wants instead of the screen it asked for.
    const instead =
      positionals[0] === 'containers'
        ? '`fathom container --json` (every container) or `fathom container NAME --json`'
        : positionals.length === 0
          ? '`fathom images --json` (the engine\'s images) or `fathom store ls --json`'
          : positionals.length === 2
            ? '`fathom diff A B --json`'
            : '`fathom inspect SOURCE --json` (or `fathom ci SOURCE`)';
    throw new FathomError(`the interactive UI needs a terminal; in scripts use ${instead}`);
  }
  // The terminal is the UI's keyboard: a password can't come from it too.
  if (values['password-stdin'] || values.username !== undefined) throw new FathomError('--username and --password-stdin are for scripts (inspect, ci, audit); for the interactive UI, `docker login HOST` first: fathom reads the credentials it stores');
  let start: StartAt;
  if (positionals.length === 0) start = { kind: 'images' };
  else if (positionals.length === 1 && positionals[0] === 'containers') start = { kind: 'containers' };
  else if (positionals.length === 1 && browsedRegistry(positionals[0])) start = { kind: 'images' };
  else if (positionals.length === 1) start = { kind: 'image', source: positionals[0] };
  else if (positionals.length === 2) start = { kind: 'compare', a: positionals[0], b: positionals[1] };
  else start = { kind: 'images' }; // three or more: the image list, with these archives at its top

  // Sources that cannot be opened at all fail here, before the screen is taken over.
  if (start.kind === 'image') parseSourceSpec(start.source);
  if (start.kind === 'compare') [start.a, start.b].forEach((src) => parseSourceSpec(src));
  if (positionals.length > 2) positionals.forEach((src) => parseSourceSpec(src));
  // The layout engine's WebAssembly compiles off the main thread while the image opens.
  const layoutEngine = layoutEngineReady();
  layoutEngine.catch(() => {}); // awaited before the first render, where a failure is reported
  const config = loadUiConfig();
  const theme = pickTheme((values.theme as string | undefined) ?? config.theme);
  const store = openStore(values.store as string | undefined, Boolean(values['copy-blobs']));
  const registry = positionals.length === 1 ? browsedRegistry(positionals[0]) : null;
  const io = realIo(store, { ...(values as Record<string, string>), engine: values.podman ? 'podman' : 'docker', archives: positionals.length > 2 ? positionals : [], ...(registry && { registry }) });
  const mouse = !values['no-mouse'];

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(`${mouse ? MOUSE_OFF : ''}${LEAVE_ALT}\x1b[?25h`);
  };
  process.stdout.write(`${ENTER_ALT}${mouse ? MOUSE_ON : ''}`);
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', restore);
  process.once('uncaughtException', (e) => {
    restore();
    process.stderr.write(`fathom: ${terminalSafe(e.message)}\n`);
    process.exit(2);
  });

  // When the first frame reached the terminal, for the bench (in ms since the process started) and bin/fathom.js.
  // The view's commit is not the frame: Ink may hold it behind its 30 fps throttle. So the time is that of
  // the last write to the terminal, read a throttle period after the commit.
  const frameLog = process.env.FATHOM_FIRST_FRAME_FILE;
  let framed = false;
  let lastWriteAt = 0;
  if (frameLog) {
    const write = process.stdout.write.bind(process.stdout) as (...a: unknown[]) => boolean;
    process.stdout.write = ((...a: unknown[]) => {
      lastWriteAt = performance.now();
      return write(...a);
    }) as typeof process.stdout.write;
  }
  const onFrame = () => {
    if (framed) return;
    framed = true;
    firstFrameDrawn();
    if (frameLog) setTimeout(() => fs.writeFileSync(frameLog, String(lastWriteAt)), 50);
  };
  if (start.kind === 'image') start = { ...start, pending: await openBeforeFirstFrame(io, start.source, FIRST_FRAME_WAIT_MS, FIRST_LOOK_WAIT_MS) };
  await layoutEngine;
  let exitCode = 0;
  let exitMessage: string | null = null;
  const app = render(
    React.createElement(App, {
      start,
      io,
      keymap: config.keymap,
      theme,
      onFrame,
      onExit: (code, message) => {
        exitCode = code;
        exitMessage = message;
      },
    }),
    {
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: 30,
      // Ink 6's incremental renderer leaves stale lines when the top line is unchanged; measured correct without it.
      incrementalRendering: process.env.FATHOM_INCREMENTAL === '1',
    },
  );
  // An image's view reports its own first frame (onFrame); any other screen's is this first render.
  if (start.kind !== 'image') setImmediate(onFrame);
  try {
    await app.waitUntilExit();
  } finally {
    restore();
  }
  if (exitCode !== 0 && exitMessage) process.stderr.write(`fathom: ${exitMessage}\n`);
  // Watchers and event streams may still hold the loop open; the UI is done.
  setImmediate(() => process.exit(exitCode));
  return exitCode;
}
