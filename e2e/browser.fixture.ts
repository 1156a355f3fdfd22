// Headless Chromium for the dashboard tests and the docs screenshots: Debian's `chromium` package
// driven by playwright-core (no browser download). `.ci/run` installs the package when missing.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.FEDMARK_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/** A fresh profile per launch (playwright passes it as --user-data-dir). */
export async function launchChromium(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'fedmark-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 960 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard and signs in with `key`; the page then shows the jobs. */
export async function signIn(browser: BrowserContext, url: string, key: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/ui/`);
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('#jobs-table');
  return page;
}

/** Pixels of a chart's canvas that are not background: a chart with data draws many. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(`${selector} canvas`, (canvas) => {
    // Runs in the page; typed structurally (the project compiles without the DOM library).
    const c = canvas as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i] as number, data[i + 1] as number, data[i + 2] as number, data[i + 3] as number];
      // Series colours are saturated; axes and grid are grey (r ≈ g ≈ b).
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) inked++;
    }
    return inked;
  });
}

/** The number of data points a dashboard chart draws (its data-points attribute). */
export async function chartPoints(page: Page, selector: string): Promise<number> {
  return Number((await page.getAttribute(selector, 'data-points')) ?? 0);
}

/** Waits until the chart draws at least `min` points. */
export async function waitForPoints(page: Page, selector: string, min: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while ((await chartPoints(page, selector)) < min) {
    if (Date.now() - started > timeoutMs) throw new Error(`${selector} drew fewer than ${min} points within ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
}

/** The trimmed text of each cell of each body row of a dashboard table. */
export async function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((row) => {
    // Runs in the page; typed structurally (the project compiles without the DOM library).
    const cells = (row as unknown as { querySelectorAll(s: 'td'): ArrayLike<{ textContent: string | null }> }).querySelectorAll('td');
    return Array.from(cells, (td) => (td.textContent ?? '').trim());
  }));
}
