import React from 'react';
import { Text } from 'ink';
import { useKeys } from './hooks/useKeys.js';
import type { TerminalSize } from './hooks/useTerminalSize.js';

/** The smallest terminal every screen fits in; below it, one line says so until the terminal grows. */
export const MIN_SIZE: TerminalSize = { columns: 60, rows: 15 };

export function tooSmall(size: TerminalSize): boolean {
  return size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows;
}

/** Drawn instead of a screen that cannot fit; q and ctrl+c still quit. */
export function TooSmall({ size, onQuit }: { size: TerminalSize; onQuit: () => void }) {
  useKeys((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) onQuit();
  });
  // Cut to the width there is: a line that wraps would be garbled again.
  const text = `too small: need ${MIN_SIZE.columns}×${MIN_SIZE.rows}, have ${size.columns}×${size.rows} · q quits`;
  return <Text>{text.slice(0, Math.max(1, size.columns - 1))}</Text>;
}
