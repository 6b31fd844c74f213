import type { LayerFigures } from '../model/figures.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { DiveAccumulator, whitedOutPaths, type DiveEfficiency } from './dive-efficiency.js';
import { DuplicateContentAccumulator, type DuplicateContent } from './duplicate-content.js';

export interface WasteReport extends DiveEfficiency {
  removedByWhiteoutBytes: number;
  removedByOpaqueBytes: number;
  /** The largest groups of identical content at different paths (at most 100), largest saving first. */
  duplicateContent: DuplicateContent[];
  /** How many such groups there are in all, and the bytes keeping one copy of each would save. */
  duplicateContentGroups: number;
  duplicateContentBytes: number;
}

/**
 * Gathers an image's waste report layer by layer, oldest first: what comes from the layer indexes alone
 * (dive's figures, identical content) as each layer is pushed, so a first open does it while later layers
 * are still being read; the bytes whiteouts and opaque directories hide come from the layers' figures.
 */
export class WasteAccumulator {
  private readonly dive: DiveAccumulator;
  private readonly duplicates = new DuplicateContentAccumulator();

  /** `whitedOut`: every path the image whites out when known up front (nothing is kept per layer), else null. */
  constructor(whitedOut: ReadonlySet<string> | null) {
    this.dive = new DiveAccumulator(whitedOut);
  }

  push(index: LayerIndex): void {
    this.dive.push(index);
    this.duplicates.push(index);
  }

  finish(figures: readonly LayerFigures[]): WasteReport {
    const duplicates = this.duplicates.finish();
    return {
      ...this.dive.finish(),
      removedByWhiteoutBytes: figures.reduce((n, l) => n + l.removedByWhiteoutBytes, 0),
      removedByOpaqueBytes: figures.reduce((n, l) => n + l.removedByOpaqueBytes, 0),
      duplicateContent: duplicates.shown,
      duplicateContentGroups: duplicates.groups,
      duplicateContentBytes: duplicates.extraBytes,
    };
  }
}

/** The waste report of a whole image. */
export function wasteReport(layers: readonly LayerIndex[], figures: readonly LayerFigures[]): WasteReport {
  const waste = new WasteAccumulator(whitedOutPaths(layers));
  for (const index of layers) waste.push(index);
  return waste.finish(figures);
}
