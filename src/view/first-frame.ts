/**
 * Who waits for the UI's first frame to be on screen: bin/fathom.js (it then keeps V8's code cache,
 * which by then holds the UI's functions too). Told once, by the terminal UI.
 */
let waiting: (() => void)[] | null = [];

export function whenFirstFrameDrawn(listener: () => void): void {
  if (waiting === null) listener();
  else waiting.push(listener);
}

export function firstFrameDrawn(): void {
  const listeners = waiting;
  waiting = null;
  listeners?.forEach((listener) => listener());
}
