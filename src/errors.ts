/**
 * An error a user can act on: its message is the whole story (which file, which layer, what was wrong).
 * The CLI prints it as one line and exits 2; anything else is a bug.
 */
export class FathomError extends Error {
  override name = 'FathomError';
}

export function isFathomError(e: unknown): e is FathomError {
  return e instanceof FathomError;
}
