import fs from 'node:fs';
import YAML from 'yaml';
import { FathomError } from '../errors.js';
import { humanBytes, parseBytes } from '../format.js';
import type { DiveEfficiency } from './dive-efficiency.js';

/** dive's three CI rules; "disabled" turns one off. Values are kept as dive reads them: strings. */
export interface CiRuleSettings {
  lowestEfficiency: string;
  highestWastedBytes: string;
  highestUserWastedPercent: string;
}

export const DIVE_DEFAULT_RULES: CiRuleSettings = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

export type RuleStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';
export interface RuleResult {
  rule: keyof CiRuleSettings;
  status: RuleStatus;
  message: string;
}

/** Reads a `.dive-ci` file ({rules: {…}}); a missing default file is fine, a missing named one is not. */
export function loadCiConfig(file: string, mustExist: boolean): Partial<CiRuleSettings> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    if (mustExist) throw new FathomError(`${file}: cannot read the CI config`);
    return {};
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new FathomError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const rules = (doc as { rules?: Record<string, unknown> } | null)?.rules ?? {};
  const out: Partial<CiRuleSettings> = {};
  for (const key of ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const) {
    if (rules[key] !== undefined && rules[key] !== null) out[key] = String(rules[key]);
  }
  return out;
}

function ratio(rule: string, value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  // dive takes ratios: 90 would be a rule no image can pass (and 90 % is likely what was meant).
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    const hint = Number.isFinite(n) && n > 1 && n <= 100 ? ` (a ratio, as dive takes it: ${n / 100} for ${n} %)` : '';
    throw new FathomError(`${rule}: ${JSON.stringify(value)} is not a ratio between 0 and 1 (or "disabled")${hint}`);
  }
  return n;
}

export function evaluateRules(settings: CiRuleSettings, analysis: DiveEfficiency): RuleResult[] {
  const results: RuleResult[] = [];
  const disabled = (v: string) => v.trim().toLowerCase() === 'disabled';

  if (disabled(settings.highestUserWastedPercent)) results.push({ rule: 'highestUserWastedPercent', status: 'SKIP', message: 'rule disabled' });
  else {
    const max = ratio('highestUserWastedPercent', settings.highestUserWastedPercent);
    const fail = analysis.userWastedPercent > max;
    results.push({
      rule: 'highestUserWastedPercent',
      status: fail ? 'FAIL' : 'PASS',
      message: fail ? `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${analysis.userWastedPercent} > threshold=${max})` : '',
    });
  }

  if (disabled(settings.highestWastedBytes)) results.push({ rule: 'highestWastedBytes', status: 'SKIP', message: 'rule disabled' });
  else {
    const max = parseBytes(settings.highestWastedBytes);
    if (max === null) throw new FathomError(`highestWastedBytes: "${settings.highestWastedBytes}" is not a size (e.g. 20MB, 512KiB, 1000) or "disabled"`);
    const fail = analysis.wastedBytes > max;
    results.push({
      rule: 'highestWastedBytes',
      status: fail ? 'FAIL' : 'PASS',
      message: fail ? `too many bytes wasted (wasted-bytes=${analysis.wastedBytes} > threshold=${max} (${humanBytes(max)}))` : '',
    });
  }

  if (disabled(settings.lowestEfficiency)) results.push({ rule: 'lowestEfficiency', status: 'SKIP', message: 'rule disabled' });
  else {
    const min = ratio('lowestEfficiency', settings.lowestEfficiency);
    const fail = analysis.efficiencyScore < min;
    results.push({
      rule: 'lowestEfficiency',
      status: fail ? 'FAIL' : 'PASS',
      message: fail ? `image efficiency is too low (efficiency=${analysis.efficiencyScore} < threshold=${min})` : '',
    });
  }
  return results;
}

export function ciPassed(results: readonly RuleResult[]): boolean {
  return !results.some((r) => r.status === 'FAIL');
}
