// Regenerates the campaign screenshots in docs/ from a real run of the demo's lookalike step and
// its simulated campaign (coordinator/demo/campaignDemo.ts): `npx node docs/campaignScreenshots.ts`.
// Needs /usr/bin/chromium.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runLookalikeDemo } from '../coordinator/demo/lookalikeDemo.ts';
import { launchChromium, signIn } from '../e2e/browser.fixture.ts';

const DOCS = fileURLToPath(new URL('./', import.meta.url));
const { browser, close } = await launchChromium();
try {
  const demo = await runLookalikeDemo({
    logLevel: 'warn',
    afterCampaign: async ({ url, adminKey, campaign }) => {
      const page = await signIn(browser, url, adminKey);
      await page.goto(`${url}/ui/#/campaigns/${campaign.id}`);
      await page.waitForSelector('#campaign-chart canvas');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'dashboard-campaign.png'), fullPage: true });
      await page.goto(`${url}/ui/#/campaigns`);
      await page.waitForSelector('#campaigns-table');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'dashboard-campaigns.png') });
    },
  });
  if (!demo.campaign || 'error' in demo.campaign) throw new Error(`the campaign did not run: ${demo.campaign && 'error' in demo.campaign ? demo.campaign.error : demo.result.error?.message}`);
  console.log(`campaign ${demo.campaign.id}: screenshots in ${DOCS}`);
} finally {
  await close();
}
