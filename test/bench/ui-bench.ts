import { PassThrough } from 'node:stream';
import React from 'react';
import { render } from 'ink';
import { App } from '../../components/App.js';
import { THEMES } from '../../components/theme.js';
import { KeyMap } from '../../src/view/keys.js';
import { realIo } from '../../src/cli/real-io.js';
import { LayerStore } from '../../store/store.js';
import { openBeforeFirstFrame } from '../../src/view/pending-open.js';
import { layoutEngineReady } from '../../src/view/layout-engine.js';

function fakeTerminal(columns: number, rows: number) {
  const stdout = Object.assign(new PassThrough(), { columns, rows, isTTY: true });
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin });
  return { stdout, stdin };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/**
 * The real app, in-process, on a fake 120×40 terminal over the warm store: time to the first frame of
 * the layer view, then keystroke → frame on the top layer's aggregated tree (every entry of the image).
 */
export async function runUiBench(storeDir: string, imageId: string, lastLayer: number, label = 'stored image'): Promise<{ firstFrameMs: number; keyP95Ms: number; rows: number; clears: number } | null> {
  const { stdout, stdin } = fakeTerminal(120, 40);
  let output = '';
  let lastWrite = 0;
  let firstFrameAt = 0;
  stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    lastWrite = performance.now();
    if (!firstFrameAt && output.includes('Layers ')) firstFrameAt = lastWrite;
  });
  const io = { ...realIo(new LayerStore(storeDir), {}), watchImages: () => () => {}, watchContainers: () => () => {} };
  const t0 = performance.now();
  // As the binary starts: the layout engine loads while the image opens, before the first frame (see
  // src/cli/commands/tui.ts).
  const layoutEngine = layoutEngineReady();
  const source = `store://${imageId}`;
  const pending = await openBeforeFirstFrame(io, source, 150);
  await layoutEngine;
  const app = render(React.createElement(App, { start: { kind: 'image', source, pending }, io, keymap: new KeyMap(), theme: THEMES['no-color'] }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: Number(process.env.FATHOM_MAX_FPS ?? 30),
  });
  const until = async (test: () => boolean, timeout = 60_000) => {
    const start = performance.now();
    while (!test()) {
      if (performance.now() - start > timeout) throw new Error(`ui bench timed out; screen:\n${JSON.stringify(output.slice(-600))}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  await until(() => output.includes('Layers '));
  const firstFrameMs = firstFrameAt - t0;
  const key = async (k: string) => {
    const before = lastWrite;
    stdin.write(k);
    const sent = performance.now();
    await until(() => lastWrite > before);
    return lastWrite - sent;
  };
  // Top layer, everything up to it, files focused: the biggest tree the image has.
  const screenHas = (text: string) => output.slice(-30000).includes(text);
  // The view's key handler attaches just after its first frame.
  await new Promise((r) => setTimeout(r, 200));
  stdin.write('G');
  // The last history row: the top layer, or a metadata row above it.
  await until(() => screenHas(`layer ${lastLayer}: its own changes`) || screenHas(`(tree of layer ${lastLayer})`));
  stdin.write('\u0001');
  await until(() => screenHas('everything up to here'), 120_000);
  await new Promise((r) => setTimeout(r, 200));
  stdin.write('\t');
  await until(() => screenHas('▶ Files'));
  await new Promise((r) => setTimeout(r, 200));
  const rowsMatch = /(\d+) rows/.exec(output.slice(-30000).split('\n').filter((l) => l.includes(' rows')).pop() ?? '');
  const clearsBefore = (output.match(/\u001b\[2J|\u001b\[3J/g) ?? []).length;
  const times: number[] = [];
  for (let i = 0; i < 120; i++) {
    try {
      // Down for half the run, then back up: a small tree would otherwise hit its end, where a key draws nothing.
      const down = i < 60;
      times.push(await key(i % 10 === 9 ? (down ? '\u001b[6~' : '\u001b[5~') : down ? 'j' : 'k'));
    } catch (e) {
      throw new Error(`key ${i}: ${(e as Error).message.slice(0, 300)}`);
    }
    await new Promise((r) => setTimeout(r, 40)); // a person's pace: measure work, not the 30 fps throttle
  }
  const clears = (output.match(/\u001b\[2J|\u001b\[3J/g) ?? []).length - clearsBefore;
  app.unmount();
  console.log(`  ${`first frame of the ${label} (in-process)`.padEnd(58)} ${firstFrameMs.toFixed(1).padStart(9)} ms`);
  console.log(`  ${`keystroke → frame, p95 of 120 moves (${rowsMatch?.[1] ?? '?'} rows)`.padEnd(58)} ${percentile(times, 0.95).toFixed(1).padStart(9)} ms`);
  console.log(`  ${'full-screen clears while moving'.padEnd(58)} ${String(clears).padStart(9)}`);
  return { firstFrameMs, keyP95Ms: percentile(times, 0.95), rows: Number(rowsMatch?.[1] ?? 0), clears };
}
