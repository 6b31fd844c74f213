import { FathomError } from '../../errors.js';

export async function runDemo(_args: string[]): Promise<number> {
  throw new FathomError('demo: not built yet');
}
