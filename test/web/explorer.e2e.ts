import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../web/src/query/presets.js';
import type { QueryState } from '../../web/src/query/query-state.js';
import { queryToParams } from '../../web/src/query/url-state.js';
import { launchChromium } from '../../bench/chromium.js';
import { runCli } from '../cli/cli-process.js';
import type { Served } from '../../bench/served-store.js';
import { serveStore } from '../../bench/served-store.js';

/** Where the screenshots go (gitignored): one per scenario and view, for a person to look at. */
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Images per planted scenario (metadata.scenario), read through the API: the test relies on the demo data's contract, not on how it was made. */
async function plantedCounts(origin: string): Promise<Map<string, number>> {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ images(first: 10000) { nodes { metadata } } }' }),
  });
  const { data } = (await response.json()) as { data: { images: { nodes: { metadata: { scenario?: string } }[] } } };
  const counts = new Map<string, number>();
  for (const { metadata } of data.images.nodes) if (metadata.scenario) counts.set(metadata.scenario, (counts.get(metadata.scenario) ?? 0) + 1);
  return counts;
}

/** This store holds the synthetic demo only (the real photos have their own tests, real-data.e2e.ts). */
const SYNTHETIC = PRESETS.filter((p) => p.dataset === 'synthetic');

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _, ...env } = process.env;
  return env;
}

describe('the explorer', () => {
  let dir: string;
  /** How many images of the demo data are planted for each scenario, as the API tells. */
  let planted: Map<string, number>;
  let server: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-e2e-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    // The demo dataset as a user seeds it; 800 images keep the run short and still plant more
    // background-focus cases than a preset's k, fewer of the others.
    const [seeded, launched] = await Promise.all([runCli(['demo', '--data-dir', join(dir, 'store'), '--images', '800'], withoutDatabaseUrl()), launchChromium()]);
    browser = launched;
    if (seeded.code !== 0) throw new Error(`masksearch demo failed:\n${seeded.stderr}`);
    server = await serveStore(join(dir, 'store'));
    planted = await plantedCounts(server.origin);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.jpg`), type: 'jpeg', quality: 85 });

  /** Waits until the results shown are those of this query (the section names the query it shows). */
  const resultsOf = (query: QueryState) => page.locator(`.results[data-status="done"][data-query="${queryToParams(query).toString()}"]`).waitFor();

  const cardAttribute = (name: string) => page.locator('.card').evaluateAll((cards, attribute) => cards.map((c) => c.getAttribute(attribute)), name);

  const loadedOverlays = () => page.locator('.card .overlay[data-mask-state="loaded"]').count();

  async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
    for (const deadline = Date.now() + ms; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  for (const preset of SYNTHETIC) {
    it(`${preset.title}: the planted ${preset.scenario} cases rank first, with overlays, stats and the query as SQL`, async () => {
      await page.goto(`${server.origin}/`);
      await page.getByRole('button', { name: preset.title }).click();
      await resultsOf(preset.query);

      const scenarios = await cardAttribute('data-scenario');
      expect(scenarios).toHaveLength(preset.query.rank.k);
      // Every planted case ranks above every other image (as many as the k results hold).
      const top = Math.min(planted.get(preset.scenario!) ?? 0, preset.query.rank.k);
      expect(top).toBeGreaterThan(0);
      expect(scenarios.slice(0, top)).toEqual(Array(top).fill(preset.scenario));

      // The three rows in view (five tiles each at this width), for the screenshot.
      await until(async () => (await loadedOverlays()) >= 12, 'the first mask overlays to load');
      expect(await page.locator('.card .overlay-image:not([hidden])').count()).toBeGreaterThanOrEqual(8);
      expect(await page.getByTestId('stats-summary').textContent()).toMatch(/ms · loaded [\d,]+ of [\d,]+ masks/);
      expect(await page.locator('.stats-chart .bar').getAttribute('aria-label')).toMatch(/^Of [\d,]+ candidate masks: [\d,]+ ruled out by the index/);
      // The aggregation joins its two members (the model's saliency, the people's attention) on the image.
      expect(await page.getByTestId('sql').textContent()).toMatch(preset.query.kind === 'aggregate' ? /JOIN masks m2 USING \(image_id\)[\s\S]*\nORDER BY value ASC\nLIMIT 25$/ : /^SELECT mask_id FROM masks/);
      if (preset.query.aggregate.members.length > 0 && preset.query.kind === 'aggregate') {
        expect(await page.getByTestId('members').locator('li').allTextContents()).toEqual(['saliency of demo-classifier, above 0.5', 'human-attention, above 0.5']);
      }
      await shot(preset.id);
    });
  }

  it('reruns the same query without the index, shows both side by side, and the back button returns', async () => {
    const preset = SYNTHETIC[0];
    await page.goto(`${server.origin}/?${queryToParams(preset.query)}`);
    await resultsOf(preset.query);
    const withIndex = await cardAttribute('data-image-key');

    await page.getByTestId('index-toggle').uncheck();
    const scan = { ...preset.query, useIndex: false };
    await resultsOf(scan);
    expect(page.url()).toContain('index=off');
    expect(await cardAttribute('data-image-key')).toEqual(withIndex);
    const summary = await page.getByTestId('stats-summary').textContent();
    const [, loaded, candidates] = /loaded (\d+) of (\d+) masks/.exec(summary!)!;
    expect(loaded).toBe(candidates);
    expect(summary).toContain('full scan, no index');
    expect(await page.getByTestId('index-comparison').textContent()).toMatch(/with the index.*full scan/);
    // The stats sit below the grid of results.
    await page.getByTestId('index-comparison').scrollIntoViewIfNeeded();
    await shot('index-comparison');

    await page.goBack();
    await resultsOf(preset.query);
    expect(await page.getByTestId('index-toggle').isChecked()).toBe(true);
  });

  it('shows all masks of an image side by side, with their intersection and union, in a dialog Escape closes', async () => {
    const preset = SYNTHETIC[2];
    await page.goto(`${server.origin}/?${queryToParams(preset.query)}`);
    await resultsOf(preset.query);
    const first = page.locator('.card').first();
    const key = await first.getAttribute('data-image-key');
    await first.locator('.card-open').click();

    const dialog = page.getByRole('dialog', { name: key! });
    await dialog.waitFor();
    expect(page.url()).toContain(`image=${key}`);
    await until(async () => (await dialog.locator('.detail-masks .overlay[data-mask-state="loaded"]').count()) >= 3, 'every mask of the image');
    const types = await dialog.locator('.detail-masks figcaption strong').allTextContents();
    expect(types).toEqual(expect.arrayContaining(['saliency', 'human-attention']));
    await until(async () => /IoU \d\.\d{4}/.test((await dialog.getByTestId('agreement-iou').textContent()) ?? ''), 'the exact IoU');
    expect(await dialog.getByRole('img', { name: /^intersection of the two masks/ }).count()).toBe(1);
    expect(await dialog.getByRole('img', { name: /^union of the two masks/ }).count()).toBe(1);

    const overlayUrl = await dialog.getByRole('link', { name: 'overlay PNG' }).first().getAttribute('href');
    const overlay = await page.request.get(`${server.origin}${overlayUrl}`);
    expect(overlay.status()).toBe(200);
    expect(overlay.headers()['content-type']).toBe('image/png');
    await shot('detail');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(page.url()).not.toContain('image=');
  });

  it('pages through filter results as the grid scrolls', async () => {
    const filter: QueryState = { ...SYNTHETIC[1].query, kind: 'filter', compare: { op: 'GT', value: 0.01 } };
    await page.goto(`${server.origin}/?${queryToParams(filter)}`);
    await resultsOf(filter);
    const count = async () => (await page.getByTestId('result-count').textContent()) ?? '';
    expect(await count()).toMatch(/^showing 48 of \d+ masks$/);
    await page.getByTestId('browse-scroller').evaluate((scroller) => (scroller.scrollTop = scroller.scrollHeight));
    await until(async () => /^showing 96 of \d+ masks$/.test(await count()), 'the next page');
  });

  it('a query narrows the one grid to its results, in result order, with rank and value on each tile; clearing it browses again', async () => {
    const preset = SYNTHETIC[0];
    await page.goto(`${server.origin}/`);
    await page.getByTestId('browse-count').filter({ hasText: /^[\d,]+ images$/ }).waitFor();
    // The count can show a render before the grid's first thumbnails do.
    await page.locator('[data-view="browse"] .thumb').first().waitFor();
    await page.getByRole('button', { name: preset.title }).click();
    await resultsOf(preset.query);

    // One grid: the browsing thumbnails are gone, the result tiles stand in their place, and a chip says why.
    expect(await page.locator('.browse-scroller').count()).toBe(1);
    expect(await page.locator('[data-view="query"] .browse-scroller .card').count()).toBe(preset.query.rank.k);
    expect(await page.locator('.thumb').count()).toBe(0);
    expect(await page.getByTestId('query-filter').textContent()).toContain(`Filtered by query: ${preset.title}`);
    expect(await page.getByTestId('result-count').textContent()).toBe(`${preset.query.rank.k} ranked masks`);
    // Result order: the tiles' ranks count up, their values (ascending share of the box) never fall.
    const ranks = await page.locator('.card .rank').allTextContents();
    expect(ranks).toEqual(Array.from({ length: preset.query.rank.k }, (_, i) => `#${i + 1}`));
    const values = (await page.locator('.card').getByTestId('value').allTextContents()).map((text) => Number(text.split(' ')[0]));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    // The API ranks the same images in the same order.
    const api = await fetch(`${server.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ topKByCP(where: {maskTypes: ["saliency"], modelNames: ["demo-classifier"]}, roi: {imageBox: "object"}, range: {gt: 0.6}, normalize: ROI_FRACTION, order: ASC, k: 25) { items { edges { node { mask { image { key } } } } } } }',
      }),
    });
    const ranked = ((await api.json()) as { data: { topKByCP: { items: { edges: { node: { mask: { image: { key: string } } } }[] } } } }).data.topKByCP.items.edges.map((e) => e.node.mask.image.key);
    expect(await cardAttribute('data-image-key')).toEqual(ranked);
    await shot('query-filters-grid');

    // The URL holds the query: reloading it shows the same filtered grid.
    const url = page.url();
    await page.reload();
    await resultsOf(preset.query);
    expect(page.url()).toBe(url);
    expect(await cardAttribute('data-image-key')).toEqual(ranked);

    // Clearing the query browses every image again; the back button brings the query back.
    await page.getByRole('button', { name: /Clear the query/ }).click();
    await page.locator('[data-view="browse"] .thumb').first().waitFor();
    expect(await page.getByTestId('query-filter').count()).toBe(0);
    expect(new URL(page.url()).searchParams.has('q')).toBe(false);
    await page.goBack();
    await resultsOf(preset.query);
    expect(await page.getByTestId('query-filter').textContent()).toContain(preset.title);
  });

  it('runs from the keyboard, and shows the API\'s message next to the field it is about', async () => {
    const preset = SYNTHETIC[1];
    await page.goto(`${server.origin}/?${queryToParams(preset.query)}`);
    await resultsOf(preset.query);

    const k = page.getByLabel('k', { exact: true });
    await k.fill('10');
    await k.press('Enter');
    await resultsOf({ ...preset.query, rank: { ...preset.query.rank, k: 10 } });
    expect(await page.locator('.card').count()).toBe(10);

    await page.getByLabel('Lower end value').fill('0.8');
    await page.getByLabel('Upper end value').press('Enter');
    const rangeError = page.locator('#error-range');
    await until(async () => ((await rangeError.textContent()) ?? '') !== '', 'the message about the range');
    expect(await rangeError.textContent()).toMatch(/^range: the lower end gt 0\.8 must be below the upper end lt 0\.6/);
    await shot('range-error');

    await page.getByLabel('Named box of each image').check();
    await page.getByLabel('Box name').fill('nowhere');
    await page.getByLabel('Lower end value').fill('0.2');
    await page.getByLabel('Box name').press('Enter');
    const roiError = page.locator('#error-roi');
    await until(async () => ((await roiError.textContent()) ?? '') !== '', 'the message about the ROI');
    expect(await roiError.textContent()).toBe("roi.imageBox: no image has a box named 'nowhere'");
    expect(await rangeError.textContent()).toBe('');
  });

  it('takes an API token, sends it as a bearer token with every query, and forgets it on request', async () => {
    const created = await runCli(['tokens', 'create', '--scope', 'read', '--name', 'browser', '--data-dir', join(dir, 'store')], withoutDatabaseUrl());
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Use' }).click();
    expect(await page.evaluate(() => localStorage.getItem('masksearch.token'))).toBe(token);
    const sent = page.waitForRequest((r) => r.url().endsWith('/graphql') && r.method() === 'POST');
    await page.getByRole('button', { name: PRESETS[0].title }).click();
    expect((await sent).headers().authorization).toBe(`Bearer ${token}`);
    await resultsOf(PRESETS[0].query);
    await page.getByRole('button', { name: 'Forget token' }).click();
    expect(await page.evaluate(() => localStorage.getItem('masksearch.token'))).toBeNull();
  });

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
