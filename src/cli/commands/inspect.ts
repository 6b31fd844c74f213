import { FathomError } from '../../errors.js';
import { humanBytes, percent, terminalLines } from '../../format.js';
import { inspectReport, type FilesMode } from '../../report/inspect-report.js';
import { commandHelp } from '../help.js';
import { OPEN_OPTIONS, parse } from '../parse.js';
import { openModel } from '../open-source.js';
import { rememberAnalysis } from '../../open-image.js';

export async function runInspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPEN_OPTIONS, json: { type: 'boolean' }, layer: { type: 'string' }, files: { type: 'string' } }, 'inspect');
  if (values.help) {
    process.stdout.write(commandHelp('inspect'));
    return 0;
  }
  if (positionals.length !== 1) throw new FathomError('inspect: give exactly one SOURCE (see `fathom inspect --help`)');
  const files = (values.files ?? 'union') as FilesMode;
  if (!['union', 'changes', 'none'].includes(files)) throw new FathomError(`inspect: --files must be union, changes or none (got "${files}")`);
  const { model, source, store } = await openModel(positionals[0], values as Record<string, string>);
  rememberAnalysis(store, model);
  let layer: number | undefined;
  if (values.layer !== undefined) {
    layer = Number(values.layer);
    if (!Number.isInteger(layer) || layer < 0 || layer >= model.layerCount) {
      throw new FathomError(`inspect: --layer must be 0..${model.layerCount - 1} for this image (got "${values.layer}")`);
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(inspectReport(model, { source, layer, files }), null, 1)}\n`);
    return 0;
  }
  const report = inspectReport(model, { source, layer, files: 'none' });
  const out: string[] = [];
  out.push(`Image ${report.image.repoTags[0] ?? '(untagged)'}  ${report.image.id}`);
  out.push(`  ${report.image.os}/${report.image.architecture}  created ${report.image.created}  size ${humanBytes(report.image.sizeBytes)}  ${report.image.layerCount} layers`);
  out.push('');
  out.push('Layers  (size = docker history SIZE)');
  for (const h of model.history) {
    const l = h.layerIndex === null ? null : model.layerSummaries[h.layerIndex];
    const idx = l ? String(l.index).padStart(3) : '  -';
    const size = l ? humanBytes(l.sizeBytes).padStart(8) : '     0B';
    const counts = l ? `+${l.added} ~${l.modified} -${l.removed}`.padEnd(16) : ''.padEnd(16);
    out.push(`${idx} ${size}  ${counts} ${h.createdBy.replace(/\s+/g, ' ').slice(0, 90)}`);
  }
  const a = report.analysis;
  out.push('');
  out.push(`Efficiency ${percent(a.efficiencyScore)}   wasted ${humanBytes(a.wastedBytes)}   reclaimable ${humanBytes(a.reclaimableBytes)}   user wasted ${percent(a.userWastedPercent)}`);
  for (const i of a.inefficiencies.slice(0, 10)) out.push(`  ${String(i.count).padStart(3)}  ${humanBytes(i.sizeBytes).padStart(8)}  ${i.path}`);
  process.stdout.write(terminalLines(out));
  return 0;
}
