import { FathomError } from '../../errors.js';

export async function runContainer(_args: string[]): Promise<number> {
  throw new FathomError('container: not built yet');
}
