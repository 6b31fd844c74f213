import { FathomError } from '../errors.js';

export interface PlatformFields {
  os?: string;
  architecture?: string;
  variant?: string;
}

/** This machine's platform as image indexes spell it: "linux/amd64". */
export function hostPlatform(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  return `linux/${arch}`;
}

/** "os/arch[/variant]", or null where an index entry names no platform. */
export function platformOf(p: PlatformFields | undefined): string | null {
  if (!p?.os || !p.architecture) return null;
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The entries of an index for one platform: the one asked for, else this machine's. "linux/arm64" also
 * takes "linux/arm64/v8" (a variant asked for must match). Attestation manifests (unknown/unknown) never
 * count. Where nothing matches, the error lists what is there.
 */
export function forPlatform<T>(items: readonly T[], platform: (item: T) => string | null, wanted: string | undefined, where: string): T[] {
  const pool = items.filter((i) => platform(i) !== 'unknown/unknown');
  if (pool.filter((i) => platform(i) !== null).length <= 1 && !wanted) return pool;
  const want = wanted ?? hostPlatform();
  const matching = pool.filter((i) => {
    const p = platform(i);
    return p === want || (p !== null && !want.split('/')[2] && p.split('/').slice(0, 2).join('/') === want);
  });
  if (matching.length === 0) {
    const present = [...new Set(pool.map((i) => platform(i) ?? 'unspecified'))];
    throw new FathomError(`${where}: no image for platform ${want}; present: ${present.join(', ')} (choose with --platform)`);
  }
  return matching;
}
