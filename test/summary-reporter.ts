import type { File, Reporter } from 'vitest/node';

/** Prints the closing line CI reads: "N passed, N failed[, N skipped]". */
export default class SummaryReporter implements Reporter {
  // onFinished runs after the default reporter's summary, so this line closes the output.
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const visit = (task: { type: string; tasks?: unknown[]; result?: { state?: string }; mode?: string }) => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') passed++;
        else if (state === 'fail') failed++;
        else skipped++;
      }
      for (const t of (task.tasks ?? []) as (typeof task)[]) visit(t);
    };
    for (const f of files) {
      visit(f as never);
      // A file that failed to load has no tests but must still count as a failure.
      if (f.result?.state === 'fail' && !(f.tasks ?? []).length) failed++;
    }
    failed += errors.length;
    setImmediate(() => process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`));
  }
}
