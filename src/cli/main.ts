import { FathomError, isFathomError } from '../errors.js';
import { terminalSafe } from '../format.js';
import { HELP, commandHelp } from './help.js';
import { runInspect } from './commands/inspect.js';
import { runCi } from './commands/ci.js';
import { runDiff } from './commands/diff.js';
import { runStore } from './commands/store.js';
import { withoutFetch } from '../view/without-fetch.js';

/** Lazily loaded so `fathom inspect` never pays for React and Ink. */
async function runUi(args: string[]): Promise<number> {
  const { runTui } = await withoutFetch(() => import('./commands/tui.js'));
  return runTui(args);
}

/**
 * For commands with no signal handling of their own: ^C or a TERM ends the process through `exit`, so its
 * exit handlers run (the store removes what the open was writing); Node's default would end it outright.
 */
function exitOnSignals(): void {
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      return runUi([]);
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(rest[0] ? commandHelp(rest[0]) : HELP);
      return 0;
    case '--version':
    case '-v':
      process.stdout.write('fathom 0.1.0\n');
      return 0;
    case 'inspect':
      exitOnSignals();
      return runInspect(rest);
    case 'ci':
      exitOnSignals();
      return runCi(rest);
    case 'diff':
      exitOnSignals();
      return runDiff(rest);
    case 'store':
      exitOnSignals();
      return runStore(rest);
    case 'audit': {
      exitOnSignals();
      const { runAudit } = await import('./commands/audit.js');
      return runAudit(rest);
    }
    case 'images': {
      const { runImages } = await import('./commands/images.js');
      return runImages(rest);
    }
    case 'container': {
      const { runContainer } = await import('./commands/container.js');
      return runContainer(rest);
    }
    case 'demo': {
      const { runDemo } = await withoutFetch(() => import('./commands/demo.js'));
      return runDemo(rest);
    }
    default:
      // dive's habit: `CI=true dive IMAGE` is the CI gate, as `dive IMAGE --ci` is.
      if (argv.includes('--ci') || (process.env.CI === 'true' && !argv[0].startsWith('-'))) {
        exitOnSignals();
        return runCi(argv);
      }
      return runUi(argv);
  }
}

/** A reader that closed the pipe (`fathom diff A B | head`) has what it wanted: end quietly, as cat does. */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

export async function cli(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (isFathomError(e)) {
      // One line, whatever the message quotes: a newline or an escape from an image is shown, not obeyed.
      process.stderr.write(`fathom: ${terminalSafe(e.message)}\n`);
    } else if (process.env.FATHOM_DEBUG) {
      process.stderr.write(`fathom: internal error: ${(e as Error).stack}\n`);
    } else {
      const err = e as NodeJS.ErrnoException;
      const detail = err.code && err.path ? `${err.path}: ${err.code}` : (err.message ?? String(e));
      process.stderr.write(`fathom: ${terminalSafe(detail)} (set FATHOM_DEBUG=1 for details)\n`);
    }
    code = 2;
  }
  process.exitCode = code;
}

/** For bin/fathom.js, which keeps V8's code cache once the UI has drawn. */
export { whenFirstFrameDrawn } from '../view/first-frame.js';
