/**
 * Resolves once Ink's layout engine (yoga) can be used: await it before the first render. Run from the
 * compiled modules, yoga-layout has loaded itself as Ink was imported (a top-level await), so there is
 * nothing to wait for; the bundle replaces this module with scripts/yoga-deferred.js, which loads yoga
 * here, on first need.
 */
export async function layoutEngineReady(): Promise<void> {}
