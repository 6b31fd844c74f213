import { useInput, type Key } from 'ink';
import { splitKeys } from '../../src/view/keys.js';

/**
 * Ink's useInput, one call per key: several keys that arrive in one read (held keys, pastes) are each
 * handled, in order, instead of being compared as one string and dropped.
 */
export function useKeys(handler: (input: string, key: Key) => void, options?: { isActive?: boolean }): void {
  useInput((input, key) => {
    const keys = splitKeys(input, key);
    if (keys.length === 1) return handler(input, key);
    for (const k of keys) handler(k.input, { ...NO_KEY, ...k.key });
  }, options);
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
