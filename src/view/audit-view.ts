import { humanBytes, percent } from '../format.js';
import type { AuditReport } from '../analysis/audit.js';

/** The audit as text: per image, then what the set shares, what only one image holds, and what a shared base would save. */
export function auditLines(report: AuditReport, problems: readonly string[], width = 100): string[] {
  const t = report.totals;
  const out: string[] = [];
  // The name column gives way first on a narrow terminal: the figures after it are what the table is for.
  const nameWidth = Math.max(16, Math.min(48, width - 48));
  out.push(`${'IMAGE'.padEnd(nameWidth)} ${'SIZE'.padStart(8)} ${'LAYERS'.padStart(6)} ${'EFFIC.'.padStart(7)} ${'WASTED'.padStart(8)} ${'UNIQUE'.padStart(8)}`);
  for (const i of report.images) {
    out.push(`${(i.name.length > nameWidth ? `…${i.name.slice(i.name.length - nameWidth + 1)}` : i.name).padEnd(nameWidth)} ${humanBytes(i.sizeBytes).padStart(8)} ${String(i.layers).padStart(6)} ${percent(i.efficiencyScore, 1).padStart(7)} ${humanBytes(i.wastedBytes).padStart(8)} ${humanBytes(i.uniqueBytes).padStart(8)}`);
  }
  out.push('');
  out.push(`${t.images} images, ${t.layerRefs} layers listed, ${t.distinctLayers} distinct`);
  out.push(`  every image on its own    ${humanBytes(t.sizeBytesUnshared).padStart(9)}`);
  out.push(`  distinct layers hold      ${humanBytes(t.sizeBytesStored).padStart(9)}   (compressed: ${humanBytes(t.compressedBytesStored)})`);
  out.push(`  sharing layers saves      ${humanBytes(t.sharingSavesBytes).padStart(9)}`);
  out.push(`  wasted inside images      ${humanBytes(t.wastedBytes).padStart(9)}   (dive's figure, summed)`);
  out.push(`  a shared base would save  ${humanBytes(t.crossImageDuplicateBytes).padStart(9)}   (identical files in layers of different images)`);
  if (report.sharedLayers.length > 0) {
    out.push('');
    out.push('Layers shared between images (largest saving first):');
    for (const l of report.sharedLayers) out.push(`  ${l.diffId.slice(7, 19)}  ${humanBytes(l.sizeBytes).padStart(8)}  ${String(l.images.length).padStart(3)} images  saves ${humanBytes(l.savesBytes).padStart(8)}  ${l.images.slice(0, 3).join(', ')}${l.images.length > 3 ? ', ...' : ''}`);
  }
  if (report.largestUniqueLayers.length > 0) {
    out.push('');
    out.push('Largest layers only one image uses:');
    for (const l of report.largestUniqueLayers.slice(0, 10)) out.push(`  ${l.diffId.slice(7, 19)}  ${humanBytes(l.sizeBytes).padStart(8)}  ${l.image}  ${l.command.replace(/\s+/g, ' ').slice(0, 60)}`);
  }
  const d = report.crossImageDuplicates;
  if (d.groups > 0) {
    out.push('');
    out.push(`Identical files in layers of different images (${d.groups} contents, ${humanBytes(d.extraBytes)} stored more than once):`);
    for (const g of d.shown.slice(0, 10)) out.push(`  ${humanBytes(g.sizeBytes).padStart(8)} x${g.layers}  saves ${humanBytes(g.extraBytes).padStart(8)}  ${g.places.slice(0, 3).join('  ')}${g.places.length > 3 ? '  ...' : ''}`);
  }
  if (problems.length > 0) {
    out.push('');
    out.push(`Not audited (${problems.length}):`);
    for (const p of problems) out.push(`  ${p}`);
  }
  return out;
}
