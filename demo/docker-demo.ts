import { FathomError } from '../src/errors.js';

export interface DockerDemoOptions {
  store?: string;
  lang: 'en' | 'ko';
  step: number;
  pace: number | null;
  theme?: string;
}

export async function runDockerDemo(_opts: DockerDemoOptions): Promise<number> {
  throw new FathomError('demo --docker: not built yet');
}
