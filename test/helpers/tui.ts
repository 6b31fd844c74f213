import React from 'react';
import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import { App, type StartAt } from '../../components/App.js';
import { THEMES } from '../../components/theme.js';
import { KeyMap } from '../../src/view/keys.js';
import type { AppIo } from '../../src/view/app-io.js';
import { realIo } from '../../src/cli/real-io.js';
import { LayerStore } from '../../store/store.js';

export const KEYS = {
  down: '\u001b[B',
  up: '\u001b[A',
  left: '\u001b[D',
  right: '\u001b[C',
  tab: '\t',
  enter: '\r',
  esc: '\u001b',
  ctrl: (c: string) => String.fromCharCode(c.toUpperCase().charCodeAt(0) - 64),
};

/** The real app over a store, with image and container lists the test controls. */
export function testIo(storeDir: string, over: Partial<AppIo> = {}): AppIo {
  const base = realIo(new LayerStore(storeDir), {});
  return {
    ...base,
    watchImages: (cb) => {
      cb([], null);
      return () => {};
    },
    watchContainers: (cb) => {
      cb([], null);
      return () => {};
    },
    ...over,
  };
}

export function renderApp(start: StartAt, io: AppIo, size = { columns: 110, rows: 30 }) {
  let exitCode: number | null = null;
  const app = render(React.createElement(App, { start, io, keymap: new KeyMap(), theme: THEMES['no-color'], size, onExit: (code: number) => (exitCode = code) }));
  const frame = () => app.lastFrame() ?? '';
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      // Let Ink parse the key and React commit before the next one.
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  const waitFor = async (text: string | RegExp, timeout = 10_000) => {
    await vi.waitFor(
      () => {
        const f = frame();
        if (typeof text === 'string' ? !f.includes(text) : !text.test(f)) throw new Error(`waiting for ${text}; frame:\n${f}`);
      },
      { timeout, interval: 20 },
    );
    // A screen's key handler attaches after its first frame: let it settle before typing.
    await new Promise((r) => setTimeout(r, 40));
  };
  return { app, frame, press, waitFor, exitCode: () => exitCode };
}
