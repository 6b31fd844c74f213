/**
 * Runs `load` with the `fetch` global hidden. Ink's layout engine (yoga) loads its WebAssembly through
 * `fetch` of a data: URL whenever `fetch` exists, and Node's first `fetch` call loads all of undici
 * (~20 ms of a ~100 ms start); without it yoga decodes the same bytes itself. The global is hidden only
 * while yoga loads and put back as it was.
 */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const fetchGlobal = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!fetchGlobal?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', fetchGlobal);
  }
}
