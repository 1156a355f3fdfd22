// The dashboard in headless Chromium against a real deployment while a job runs: sign in with an
// API key, follow the job's training live, open the model card and check its charts are drawn
// with the card's data, publish, see the parties, cancel a job; screenshots go to .fedmark/e2e-screenshots.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, ModelCard } from '../protocol/messages/jobSpec.ts';
import { chartPoints, chromiumInstalled, inkedPixels, launchChromium, signIn, waitForPoints } from './browser.fixture.ts';
import { breastVertical, startDeployment, type Deployment } from './deployment.fixture.ts';
import { fate } from '../data/sets.ts';

const SHOTS = fileURLToPath(new URL('../.fedmark/e2e-screenshots/', import.meta.url));
const EPOCHS = 12;

let d: Deployment;
let chromium: Awaited<ReturnType<typeof launchChromium>>;

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ');

// Skipped only off CI on a machine without Chromium; under CI (which installs it) a missing browser fails the test.
describe.runIf(process.env.CI === 'true' || chromiumInstalled())('dashboard', () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [d, chromium] = await Promise.all([startDeployment('dashboard', ['guest', 'host'], { partyConfig: { guest: { datasets: { crm: { csv: fate('breast_hetero_guest'), idColumn: 'id' } }, policy: { listDatasets: true } } } }), launchChromium()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await d?.close();
  });

  it('follows a running job live and shows its model card with charts drawn from the card', async () => {
    // A wrong key is refused on the sign-in page.
    const refused = await chromium.browser.newPage();
    await refused.goto(`${d.url}/ui/`);
    await refused.fill('#api-key', 'fmk_not-a-key');
    await refused.click('button[type=submit]');
    await refused.waitForSelector('.login .error:has-text("does not know this key")');
    await refused.close();

    const page = await signIn(chromium.browser, d.url, d.keys.scientist);
    const { body: { id } } = await d.api<{ id: string }>('POST', '/v1/jobs', breastVertical('dashboard-propensity', EPOCHS));
    await page.goto(`${d.url}/ui/#/jobs/${id}`);

    // Live: the curve grows while the job is still running.
    await waitForPoints(page, '#progress-chart', 2, 60_000);
    const early = await chartPoints(page, '#progress-chart');
    const stateEarly = await page.getAttribute('.page-header .badge', 'data-state');
    await page.screenshot({ path: join(SHOTS, 'job-running.png') });
    await waitForPoints(page, '#progress-chart', early + 4, 60_000);
    const runningEvents = d.coordinator.store.events(id).map((e) => e.type);
    if (!runningEvents.includes('job.succeeded')) expect(stateEarly).toBe('running');
    expect(early).toBeLessThan(2 * EPOCHS);

    // Finished: every epoch's loss is on the chart, and the AUC of the kept (last) epoch, the only
    // one the guest can compute; the page links the model.
    await page.waitForSelector('#open-model', { timeout: 60_000 });
    expect(await page.getAttribute('.page-header .badge', 'data-state')).toBe('succeeded');
    expect(await chartPoints(page, '#progress-chart')).toBe(EPOCHS + 1);
    expect(await inkedPixels(page, '#progress-chart')).toBeGreaterThan(300);
    expect(await text(page, '.kpis')).toContain(`${EPOCHS} / ${EPOCHS}`);
    expect(await text(page, '.kpis')).toContain('569');
    await page.screenshot({ path: join(SHOTS, 'job.png'), fullPage: true });

    // The model card: figures as the API has them, ROC / gain / lift / history drawn from the card.
    await page.click('#open-model');
    await page.waitForSelector('#roc-chart canvas');
    const model = (await d.api<{ card: ModelCard }>('GET', '/v1/models/dashboard-propensity/versions/1')).body.card;
    const kpis = await text(page, '#model-kpis');
    expect(kpis).toContain((model.metrics.auc as number).toFixed(4));
    expect(kpis).toContain((model.metrics.guestOnlyAuc as number).toFixed(4));
    const roc = model.roc as NonNullable<ModelCard['roc']>;
    expect(roc.joint.length).toBeGreaterThan(10);
    expect(await chartPoints(page, '#roc-chart')).toBe(roc.joint.length + roc.guestOnly.length + 2);
    expect(await inkedPixels(page, '#roc-chart')).toBeGreaterThan(500);
    expect(await chartPoints(page, '#gain-chart')).toBe(2 * (model.lift.length + 1));
    expect(await chartPoints(page, '#lift-chart')).toBe(2 * model.lift.length);
    expect(await inkedPixels(page, '#lift-chart')).toBeGreaterThan(1000);
    expect(await chartPoints(page, '#history-chart')).toBe(model.history.length + 1);
    await page.screenshot({ path: join(SHOTS, 'model.png'), fullPage: true });

    await page.click('#publish');
    await page.waitForSelector('.page-header .badge[data-state="published"]');
    expect((await d.api<Array<{ status: string }>>('GET', '/v1/models/dashboard-propensity')).body[0]?.status).toBe('published');

    // Parties: both online, with what each reported about its table.
    await page.goto(`${d.url}/ui/#/parties`);
    await page.waitForSelector('#parties-table');
    await page.waitForSelector('text=breast_hetero_guest.csv.gz');
    expect(await page.locator('#parties-table .badge[data-state="online"]').count()).toBe(2);
    // A party's own listing of its datasets, where its policy allows it; refused where it does not.
    await page.click('[data-list-datasets="guest"]');
    await page.waitForSelector('#catalogue-table');
    const listed = await page.locator('#catalogue-table').innerText();
    expect(listed).toContain('crm');
    expect(listed).toContain('569');
    expect(listed).toContain('x0 (number)');
    expect(listed).not.toContain('.csv');
    await page.screenshot({ path: join(SHOTS, 'parties.png') });
    await page.click('[data-list-datasets="host"]');
    await page.waitForSelector('#catalogue-error');
    expect(await page.locator('#catalogue-error').innerText()).toContain('party host refused by its policy (listDatasets)');
  });

  it('renders a lookalike card and cancels a running job', async () => {
    const page = await signIn(chromium.browser, d.url, d.keys.admin);
    // A lookalike section as the lookalike jobs report it (aggregates only), on a fixture card.
    const base = (await d.api<{ card: ModelCard }>('GET', '/v1/models/dashboard-propensity/versions/1')).body.card;
    const recall = [0.05, 0.1, 0.2, 0.5].map((fraction, i) => ({ fraction, size: Math.round(fraction * 900), recall: [0.21, 0.36, 0.55, 0.86][i] as number, lift: ([0.21, 0.36, 0.55, 0.86][i] as number) / fraction, guestOnlyRecall: [0.15, 0.27, 0.44, 0.8][i] as number, guestOnlyLift: ([0.15, 0.27, 0.44, 0.8][i] as number) / fraction }));
    d.coordinator.store.addModel('lookalike-fixture', base.job, { ...base, lookalike: { seeds: { listed: 250, matched: 240, training: 192, heldOut: 48 }, population: 1000, ranked: 808, recall, scoreDistribution: [{ from: 0, to: 0.5, count: 700, positives: 10 }, { from: 0.5, to: 1, count: 300, positives: 38 }], audience: { path: 'audience.csv', size: 180 } } });
    await page.goto(`${d.url}/ui/#/models/lookalike-fixture/1`);
    await page.waitForSelector('#lookalike-chart canvas');
    expect(await text(page, '#lookalike')).toContain('Recall in top 20%');
    expect(await text(page, '#lookalike')).toContain('55.0%');
    expect(await chartPoints(page, '#lookalike-chart')).toBe(3 * (recall.length + 1));
    await page.locator('#lookalike').screenshot({ path: join(SHOTS, 'lookalike.png') });

    const { body: { id } } = await d.api<{ id: string }>('POST', '/v1/jobs', breastVertical('to-cancel', 2000));
    await d.firstEpoch(id);
    await page.goto(`${d.url}/ui/#/jobs/${id}`);
    await page.waitForSelector('#cancel-job');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#cancel-job');
    await page.waitForSelector('.page-header .badge[data-state="cancelled"]', { timeout: 30_000 });
    expect(await text(page, '.notice-error')).toContain('FM_ERR_JOB_CANCELLED');
    expect((await d.api<JobView>('GET', `/v1/jobs/${id}`)).body.state).toBe('cancelled');
    await page.goto(`${d.url}/ui/#/jobs`);
    await page.waitForSelector('#jobs-table');
    const badges = await page.locator('#jobs-table .badge').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { state: string } }).dataset.state));
    expect(badges).toEqual(expect.arrayContaining(['succeeded', 'cancelled']));
  });
});
