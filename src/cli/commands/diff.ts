import { FathomError } from '../../errors.js';
import { humanBytes, terminalLines } from '../../format.js';
import { compareImages } from '../../analysis/compare.js';
import { commandHelp } from '../help.js';
import { OPEN_OPTIONS, parse } from '../parse.js';
import { openModel } from '../open-source.js';

export async function runDiff(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPEN_OPTIONS, json: { type: 'boolean' } }, 'diff');
  if (values.help) {
    process.stdout.write(commandHelp('diff'));
    return 0;
  }
  if (positionals.length !== 2) throw new FathomError('diff: give two sources, SOURCE_A SOURCE_B (see `fathom diff --help`)');
  const opts = { ...(values as Record<string, string>), tag: undefined };
  const a = await openModel(positionals[0], opts);
  const b = await openModel(positionals[1], opts);
  const cmp = compareImages(a.model, b.model);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ a: { source: a.source, id: a.model.record.id }, b: { source: b.source, id: b.model.record.id }, ...cmp }, null, 1)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`A ${a.model.record.repoTags[0] ?? a.model.record.id.slice(0, 19)}  (${a.model.layerCount} layers)`);
  out.push(`B ${b.model.record.repoTags[0] ?? b.model.record.id.slice(0, 19)}  (${b.model.layerCount} layers)`);
  out.push(`Shared leading layers: ${cmp.sharedLayers} (${humanBytes(cmp.sharedBytes)})${cmp.firstDifferentLayer !== null ? `; they part at layer ${cmp.firstDifferentLayer}` : ''}`);
  out.push(`Files: +${cmp.totals.added} (${humanBytes(cmp.totals.addedBytes)})  -${cmp.totals.removed} (${humanBytes(cmp.totals.removedBytes)})  ~${cmp.totals.modified}`);
  for (const f of cmp.files) {
    const sign = f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~';
    const size = f.change === 'modified' ? `${humanBytes(f.sizeBytesA ?? 0)} → ${humanBytes(f.sizeBytesB ?? 0)} (${f.what.join(', ')})` : humanBytes((f.sizeBytesA ?? f.sizeBytesB) ?? 0);
    out.push(`${sign} ${f.path}  ${size}`);
  }
  process.stdout.write(terminalLines(out));
  return 0;
}
