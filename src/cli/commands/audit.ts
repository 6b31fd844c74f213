import { FathomError } from '../../errors.js';
import { terminalLines } from '../../format.js';
import { auditLines } from '../../view/audit-view.js';
import { commandHelp } from '../help.js';
import { OPEN_OPTIONS, parse } from '../parse.js';
import { openStore, type OpenOptions } from '../open-source.js';
import { auditSources, expandAuditSource } from '../audit-run.js';

/** `fathom audit SOURCE... [--json]`: every image of the sources, and what they share and waste together. */
export async function runAudit(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPEN_OPTIONS, json: { type: 'boolean' } }, 'audit');
  if (values.help) {
    process.stdout.write(commandHelp('audit'));
    return 0;
  }
  if (positionals.length === 0) throw new FathomError('audit: give at least one SOURCE: registry://HOST, docker://, podman://, store:// or an image (see `fathom audit --help`)');
  const opts = values as OpenOptions;
  const store = openStore(opts.store, opts['copy-blobs']);
  const sources: string[] = [];
  for (const p of positionals) sources.push(...(await expandAuditSource(p, store, opts)));
  if (sources.length === 0) throw new FathomError(`audit: ${positionals.join(' ')}: no images there`);
  const tty = process.stderr.isTTY;
  const { report, problems } = await auditSources([...new Set(sources)], store, { ...opts, progress: false }, (done, total, source) => {
    if (tty) process.stderr.write(done < total ? `\r\x1b[Kaudit: ${done + 1}/${total} ${source.slice(0, 100)}` : '\r\x1b[K');
  });
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, problems }, null, 1)}\n`);
  else process.stdout.write(terminalLines(auditLines(report, problems)));
  for (const p of problems) process.stderr.write(`fathom: ${p}\n`);
  // Every image that could be read is in the report; one that could not still fails the run, as bad input does.
  return problems.length > 0 ? 2 : 0;
}
