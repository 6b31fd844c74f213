import { FathomError } from '../errors.js';
import type { ImageSource } from '../sources/types.js';

export interface EngineSourceOptions {
  host?: string;
  /** What to say when the reference names no file and no engine answers. */
  fallbackMessage?: string;
}

/** Images from a Docker-compatible engine (docker://, podman://). */
export function engineSource(engine: 'docker' | 'podman', ref: string, opts: EngineSourceOptions): ImageSource {
  return {
    spec: `${engine}://${ref}`,
    async resolve() {
      throw new FathomError(opts.fallbackMessage ?? `${engine}://${ref}: engine sources are not available in this build`);
    },
  };
}
