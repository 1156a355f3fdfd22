// Regenerates the dashboard screenshots in docs/ from a real run of the demo job
// (examples/default-credit-vertical.yaml): `npx node docs/screenshots.ts`. Needs /usr/bin/chromium.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { simulate } from '../coordinator/simulate.ts';
import { launchChromium, signIn, waitForPoints } from '../e2e/browser.fixture.ts';

const DOCS = fileURLToPath(new URL('./', import.meta.url));
const spec = await readJobFile(fileURLToPath(new URL('../examples/default-credit-vertical.yaml', import.meta.url)));
const { browser, close } = await launchChromium();
let page: Page | undefined;
try {
  const result = await simulate(spec, {
    runDir: await mkdtemp(join(tmpdir(), 'fedmark-screenshots-')),
    logLevel: 'warn',
    whileRunning: async ({ url, adminKey, job }) => {
      page = await signIn(browser, url, adminKey);
      await page.goto(`${url}/ui/#/jobs/${job}`);
      // Mid-training: the live view with a partly drawn curve.
      await waitForPoints(page, '#progress-chart', 2 * 12, 300_000);
      await page.screenshot({ path: join(DOCS, 'dashboard-job-running.png') });
      await page.waitForSelector('#open-model', { timeout: 300_000 });
      await page.screenshot({ path: join(DOCS, 'dashboard-job.png') });
    },
    afterJob: async ({ url, result }) => {
      if (!page || !result.model) return;
      await page.goto(`${url}/ui/#/models/${result.model.name}/${result.model.version}`);
      await page.waitForSelector('#roc-chart canvas');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'dashboard-model.png'), fullPage: true });
      await page.goto(`${url}/ui/#/parties`);
      await page.waitForSelector('#parties-table');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'dashboard-parties.png') });
    },
  });
  if (result.status !== 'succeeded') throw new Error(`the demo job failed: ${result.error?.code}: ${result.error?.message}`);
  console.log(`${result.job}: AUC ${result.metrics?.auc?.toFixed(4)}; screenshots in ${DOCS}`);
} finally {
  await close();
}
