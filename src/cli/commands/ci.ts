import { FathomError } from '../../errors.js';
import { humanBytes, percent, terminalLines } from '../../format.js';
import { DIVE_DEFAULT_RULES, ciPassed, evaluateRules, loadCiConfig, type CiRuleSettings } from '../../analysis/ci-rules.js';
import { commandHelp } from '../help.js';
import { CI_OPTIONS, OPEN_OPTIONS, parse } from '../parse.js';
import { openModel } from '../open-source.js';
import { rememberAnalysis } from '../../open-image.js';

/** `fathom ci SOURCE` and `fathom SOURCE --ci`: dive's CI gate, its flags and its `.dive-ci` file. */
export async function runCi(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPEN_OPTIONS, ...CI_OPTIONS }, 'ci');
  if (values.help) {
    process.stdout.write(commandHelp('ci'));
    return 0;
  }
  if (positionals.length !== 1) throw new FathomError('ci: give exactly one SOURCE (see `fathom ci --help`)');
  const configFile = (values['ci-config'] as string | undefined) ?? '.dive-ci';
  const fromFile = loadCiConfig(configFile, values['ci-config'] !== undefined);
  const settings: CiRuleSettings = { ...DIVE_DEFAULT_RULES, ...fromFile };
  for (const key of ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const) {
    if (values[key] !== undefined) settings[key] = values[key] as string;
  }
  const { model, source, store } = await openModel(positionals[0], values as Record<string, string>);
  rememberAnalysis(store, model);
  const analysis = model.waste();
  const results = evaluateRules(settings, analysis);
  const passed = ciPassed(results);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          source,
          image: model.record.id,
          efficiencyScore: analysis.efficiencyScore,
          wastedBytes: analysis.wastedBytes,
          userWastedPercent: analysis.userWastedPercent,
          reclaimableBytes: analysis.reclaimableBytes,
          rules: settings,
          results,
          passed,
        },
        null,
        1,
      )}\n`,
    );
    return passed ? 0 : 1;
  }
  const out: string[] = [];
  out.push(`  efficiency: ${percent(analysis.efficiencyScore)}`);
  out.push(`  wastedBytes: ${analysis.wastedBytes} bytes (${humanBytes(analysis.wastedBytes)})`);
  out.push(`  userWastedPercent: ${percent(analysis.userWastedPercent)}`);
  out.push(`  reclaimableBytes: ${analysis.reclaimableBytes} bytes (${humanBytes(analysis.reclaimableBytes)})  (fathom: what deduplication would actually save)`);
  out.push('Inefficient Files:');
  out.push('Count  Wasted Space  File Path');
  for (const i of analysis.inefficiencies) out.push(`${String(i.count).padStart(5)}  ${humanBytes(i.sizeBytes).padStart(12)}  ${i.path}`);
  out.push('Results:');
  for (const r of results) out.push(`  ${r.status}: ${r.rule}${r.message ? `: ${r.message}` : ''}`);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  out.push(`Result:${passed ? 'PASS' : 'FAIL'} [Total:${results.length}] [Passed:${count('PASS')}] [Failed:${count('FAIL')}] [Warn:${count('WARN')}] [Skipped:${count('SKIP')}]`);
  process.stdout.write(terminalLines(out));
  return passed ? 0 : 1;
}
