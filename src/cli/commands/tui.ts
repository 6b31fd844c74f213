import { FathomError } from '../../errors.js';

export async function runTui(_args: string[]): Promise<number> {
  throw new FathomError('the interactive UI is not built yet; use `fathom inspect SOURCE` or `fathom inspect SOURCE --json`');
}
