import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with the plain `tests: N passed, N failed` line that CI reads in any language. */
class ClosingLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.fedmark/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The end-to-end files spend most of their time waiting on party processes and sockets, so two
    // run side by side even on a 2-core machine (vitest's default there is one at a time).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', new ClosingLine()],
  },
});
