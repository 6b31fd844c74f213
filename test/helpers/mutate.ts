import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { FathomError } from '../../src/errors.js';
import { LayerStore } from '../../store/store.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { ImageModel } from '../../src/model/image-model.js';
import { inspectReport, unionRows } from '../../src/report/inspect-report.js';

/** A small seeded PRNG (mulberry32): the same seed, the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Mutation = 'flip' | 'truncate' | 'zero' | 'duplicate' | 'remove';
const KINDS: Mutation[] = ['flip', 'truncate', 'zero', 'duplicate', 'remove'];

/** One mutation of `bytes`, and what it was (printed when a case fails, with the seed). */
export function mutate(bytes: Buffer, rand: () => number): { bytes: Buffer; what: string } {
  const kind = KINDS[Math.floor(rand() * KINDS.length)];
  const at = Math.floor(rand() * bytes.length);
  const len = 1 + Math.floor(rand() * Math.min(4096, Math.max(1, bytes.length - at)));
  switch (kind) {
    case 'flip': {
      const out = Buffer.from(bytes);
      const flips = 1 + Math.floor(rand() * 8);
      const spots: number[] = [];
      for (let i = 0; i < flips; i++) {
        const p = Math.min(bytes.length - 1, at + Math.floor(rand() * 64));
        out[p] ^= 1 << Math.floor(rand() * 8);
        spots.push(p);
      }
      return { bytes: out, what: `flip bits at ${spots.join(',')}` };
    }
    case 'truncate':
      return { bytes: bytes.subarray(0, at), what: `truncate to ${at}` };
    case 'zero': {
      const out = Buffer.from(bytes);
      out.fill(0, at, at + len);
      return { bytes: out, what: `zero ${len} at ${at}` };
    }
    case 'duplicate':
      return { bytes: Buffer.concat([bytes.subarray(0, at + len), bytes.subarray(at, at + len), bytes.subarray(at + len)]), what: `duplicate ${len} at ${at}` };
    case 'remove':
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + len)]), what: `remove ${len} at ${at}` };
  }
}

/**
 * What an open must give back unchanged: everything a digest covers (tags and the source's name are the
 * archive's word): the image, history, layers, analysis, and every path of the union with its kind,
 * size and mode.
 */
export function covered(model: ImageModel): unknown {
  const r = inspectReport(model, { source: 'x', files: 'none' });
  const union = unionRows(model, model.layerCount - 1).map((f) => `${f.path} ${f.type} ${f.sizeBytes} ${f.mode}`);
  return { ...r, source: null, image: { ...r.image, repoTags: null }, union };
}

/** Opens a source into a fresh store: the model's covered answer, or the error. */
export async function openFresh(source: string, timeoutMs = 10_000): Promise<{ ok: unknown } | { error: unknown }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-fuzz-store-'));
  try {
    const spec = parseSourceSpec(source);
    if (spec.kind === 'engine' || spec.kind === 'store' || spec.kind === 'registry') throw new Error(`not a file source: ${source}`);
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms (a hang)`)), timeoutMs)));
    try {
      const opened = await Promise.race([openImage(fileSource(spec), new LayerStore(dir)), hang]);
      return { ok: covered(new ImageModel(opened)) };
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    return { error: e };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The fuzzer's rule: the clean answer, or one line a user can act on (a FathomError), never anything else. */
export function expectCleanOrOneLine(outcome: { ok: unknown } | { error: unknown }, clean: unknown, label: string): 'same' | 'refused' {
  if ('ok' in outcome) {
    expect(outcome.ok, label).toEqual(clean);
    return 'same';
  }
  const e = outcome.error;
  expect(e instanceof FathomError, `${label}: not a one-line error but ${e instanceof Error ? e.stack : String(e)}`).toBe(true);
  expect((e as Error).message.includes('\n'), `${label}: more than one line: ${JSON.stringify((e as Error).message)}`).toBe(false);
  return 'refused';
}

/** The seed and case count: FATHOM_FUZZ_SEED and FATHOM_FUZZ_CASES for a longer run. */
export function fuzzSettings(defaultCases: number): { seed: number; cases: number } {
  const seed = process.env.FATHOM_FUZZ_SEED ? Number(process.env.FATHOM_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  const cases = process.env.FATHOM_FUZZ_CASES ? Number(process.env.FATHOM_FUZZ_CASES) : defaultCases;
  return { seed, cases };
}
