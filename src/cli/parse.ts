import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FathomError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command that opens an image understands. */
export const OPEN_OPTIONS: Options = {
  store: { type: 'string' },
  tag: { type: 'string' },
  platform: { type: 'string' },
  host: { type: 'string' },
  'copy-blobs': { type: 'boolean' },
  'engine-read': { type: 'string' },
  insecure: { type: 'boolean' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const CI_OPTIONS: Options = {
  ci: { type: 'boolean' },
  'ci-config': { type: 'string' },
  lowestEfficiency: { type: 'string' },
  highestWastedBytes: { type: 'string' },
  highestUserWastedPercent: { type: 'string' },
  json: { type: 'boolean' },
  source: { type: 'string' },
};

export function parse(args: string[], options: Options, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    // The interactive UI's own options are `fathom`'s: its messages name no command of their own.
    const prefix = command === 'fathom' ? '' : `${command}: `;
    throw new FathomError(`${prefix}${(e as Error).message.replace(/\. To specify.*$/s, '')} (see \`fathom ${command === 'fathom' ? '' : `${command} `}--help\`)`);
  }
}
