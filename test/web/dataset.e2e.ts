import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../web/src/query/presets.js';
import { queryToParams } from '../../web/src/query/url-state.js';
import { launchChromium } from '../../bench/chromium.js';
import { ANSWERED, FIRST_ANSWER_MS, WATCH_FIRST_ANSWER } from '../../bench/first-answer-timing.js';
import type { Served } from '../../bench/served-store.js';
import { serveStore } from '../../bench/served-store.js';
import { runCli } from '../cli/cli-process.js';

/**
 * The explorer as a new user meets it: `masksearch serve` on an empty store seeds the real photos
 * and then the synthetic demo while the page is open. These tests follow that first run — the
 * seeding state, the scenario cards, the facets, the detail view's inspector, tags, export and
 * "copy as" — on one server; the long-task measurement has a store of its own (100,000 images).
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const SYNTHETIC_IMAGES = 300;
const run = promisify(execFile);

/** A token of the given scope, made with the CLI as an operator would (the running server holding the store creates it). */
async function createToken(storeDir: string, scope: 'read' | 'write' | 'admin', name: string): Promise<string> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const created = await runCli(['tokens', 'create', '--scope', scope, '--name', name, '--data-dir', storeDir], env);
  if (created.code !== 0) throw new Error(`tokens create failed: ${created.stderr}`);
  return created.stdout.trim();
}

async function gql<T>(origin: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** what may be a function, to name what was last seen when the wait times out. */
async function until(check: () => Promise<boolean>, what: string | (() => string), ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const REAL = PRESETS.find((p) => p.id === 'real-disagree')!;
const BACKGROUND = PRESETS.find((p) => p.id === 'background-focus')!;

describe('the first run: seeding, the landing view and the scenario cards', () => {
  let dir: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.jpg`), type: 'jpeg', quality: 85 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-e2e-first-run-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    [server, browser] = await Promise.all([serveStore(join(dir, 'store'), { demoImages: SYNTHETIC_IMAGES }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('while the store fills: every preset opened by URL the moment the server is ready answers over the data so far, never failing; time to first answer is reported', async () => {
    // Pages opened as a user would right after `npm start` says it is ready: nothing else runs first.
    // One real and one synthetic preset, each in a page of its own, measured from the page's navigation start.
    const measured = [REAL, BACKGROUND];
    const pages = await Promise.all(measured.map(() => browser.newPage({ viewport: { width: 1400, height: 1000 } })));
    for (const p of pages) p.on('pageerror', (error) => pageErrors.push(error.message));
    await Promise.all(pages.map((p) => p.addInitScript(WATCH_FIRST_ANSWER)));
    await Promise.all(pages.map((p, i) => p.goto(`${server.origin}/?${queryToParams(measured[i].query)}`)));
    const answers = await Promise.all(
      pages.map(async (p) => {
        let sawWaiting = false;
        let sawPartial = false;
        let sawSeeding = false;
        await until(async () => {
          sawSeeding ||= (await p.getByTestId('seeding').getAttribute('data-state').catch(() => null)) === 'seeding';
          // Never an error while the data lands: either waiting, running, or the results.
          expect(await p.locator('.error-banner').count()).toBe(0);
          sawWaiting ||= (await p.getByTestId('query-waiting').count()) > 0;
          sawPartial ||= (await p.getByTestId('partial-answer').count()) > 0;
          return (await p.locator(ANSWERED).count()) > 0;
        }, 'the preset to answer', 60_000);
        // From the page's navigation start to the frame that showed the first card.
        await p.waitForFunction(`typeof ${FIRST_ANSWER_MS} === 'number'`);
        const ms = (await p.evaluate(FIRST_ANSWER_MS)) as number;
        sawPartial ||= (await p.getByTestId('partial-answer').count()) > 0;
        return { ms, sawWaiting, sawPartial, sawSeeding, seeding: (await p.getByTestId('seeding').count()) > 0 };
      }),
    );
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const report = Object.fromEntries(measured.map((preset, i) => [preset.id, { firstAnswerMs: Math.round(answers[i].ms), waitedForData: answers[i].sawWaiting, answeredWhileSeeding: answers[i].seeding }]));
    console.log(`first run: time from page open to the first answer ${JSON.stringify(report)}, load average ${load}`);
    await writeFile(join(SCREENSHOTS, 'first-preset.json'), JSON.stringify({ ...report, loadAverage: load }, null, 2));
    // The banner showed the seeding under way.
    expect(answers.some((a) => a.sawSeeding)).toBe(true);
    for (const [i, answer] of answers.entries()) {
      // Answered during the seeding: the grid says it is over the data so far.
      if (answer.seeding) expect(answer.sawPartial).toBe(true);
      // A sanity bound only: the figure is reported, not held to a tight limit on a shared machine.
      expect(answer.ms, measured[i].id).toBeLessThan(30_000);
    }
    await Promise.all(pages.map((p) => p.close()));
  }, 120_000);

  describe('once the explorer is open', () => {
    beforeAll(async () => {
      // Tagging writes: the explorer carries a write token, as a user gives it in the header's token field.
      const token = await createToken(join(dir, 'store'), 'write', 'e2e-explorer');
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.addInitScript((t) => localStorage.setItem('masksearch.token', t), token);
      page.on('pageerror', (error) => pageErrors.push(error.message));
    });

    it('the landing view shows the counts and the scenario cards; a real card answers within the seeding', async () => {
      await page.goto(`${server.origin}/`);
      await page.getByTestId('dataset-total').waitFor();
      await until(async () => /centernet-coco/.test((await page.getByTestId('counts-models').textContent()) ?? ''), 'the real model in the counts');
      expect(await page.locator('.scenario-card').count()).toBe(PRESETS.length);
      await shot('first-run-landing');
      const opened = Date.now();
      await page.getByRole('button', { name: REAL.title }).click();
      await page.locator(`.results[data-status="done"][data-query="${queryToParams(REAL.query)}"]`).waitFor({ timeout: 20_000 });
      console.log(`first run: the real-photos card answered ${Date.now() - opened} ms after the click`);
      const keys = await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-image-key')));
      expect(keys).toHaveLength(10);
      expect(keys.every((k) => k?.startsWith('nus-'))).toBe(true);
      await until(async () => (await page.locator('.card .overlay[data-mask-state="loaded"]').count()) >= 8, 'the overlays');
      await shot('real-disagree');

      // The second click: a photo with the model's and the people's maps, their intersection and union.
      await page.locator('.card-open').first().click();
      const dialog = page.getByRole('dialog', { name: keys[0]! });
      await until(async () => /IoU \d\.\d{4}/.test((await dialog.getByTestId('agreement-iou').textContent()) ?? ''), 'the exact IoU');
      await dialog.getByTestId('agreement-iou').scrollIntoViewIfNeeded();
      await shot('real-detail');
      await page.keyboard.press('Escape');
    });

    it('refreshes itself when the seeding ends: the banner goes, the counts are the final ones', async () => {
      await page.goto(`${server.origin}/`);
      // The server says when the seeding ends; right after navigation the page has no banner yet either way.
      await until(async () => (await gql<{ seeding: { state: string } }>(server.origin, '{ seeding { state } }')).seeding.state === 'done', 'the seeding to end', 180_000);
      await until(async () => (await page.getByTestId('seeding').count()) === 0, 'the banner to go');
      const { maskFacets } = await gql<{ maskFacets: { masks: number } }>(server.origin, '{ maskFacets { masks } }');
      let total: string | null = null;
      await until(
        async () => (total = await page.getByTestId('dataset-total').textContent())!.includes(`${maskFacets.masks.toLocaleString('en-US')} masks`),
        () => `the final mask count, ${maskFacets.masks} (last seen: ${JSON.stringify(total)})`,
      );
      expect(await page.getByTestId('card-waiting').count()).toBe(0);
    }, 200_000);

    it('the facet sidebar narrows the browsing grid and the query alike, with the API\'s counts', async () => {
      await page.goto(`${server.origin}/`);
      const facets = await gql<{ maskFacets: { labels: { value: string; images: number }[] } }>(server.origin, '{ maskFacets { labels { value images } } }');
      const label = facets.maskFacets.labels.find((l) => l.value !== null)!;
      const all = await gql<{ browseImages: { totalCount: number } }>(server.origin, '{ browseImages(limit: 0) { totalCount } }');
      await until(async () => (await page.getByTestId('browse-count').textContent()) === `${all.browseImages.totalCount.toLocaleString('en-US')} images`, 'the count of all images');

      await page.locator('[data-facet="imageLabels"]').getByLabel(label.value).check();
      await until(async () => (await page.getByTestId('browse-count').textContent()) === `${label.images.toLocaleString('en-US')} images`, 'the narrowed count');
      expect(page.url()).toContain(`label=${label.value}`);
      await shot('facets-browse');

      // The selection can be tagged as a whole.
      await page.getByLabel('Tag', { exact: true }).fill('picked');
      await page.getByRole('button', { name: 'Tag', exact: true }).click();
      const n = label.images.toLocaleString('en-US');
      let tagMessage: string | null = null;
      await until(
        async () => (tagMessage = await page.getByTestId('tag-message').textContent({ timeout: 1000 }).catch(() => null))?.startsWith(`Tagged ${n} of ${n} images`) ?? false,
        () => `the selection to be tagged with "Tagged ${n} of ${n} images…" (last seen: ${JSON.stringify(tagMessage)})`,
      );
      const picked = await gql<{ browseImages: { totalCount: number } }>(server.origin, '{ browseImages(where: { imageTags: ["picked"] }, limit: 0) { totalCount } }');
      expect(picked.browseImages.totalCount).toBe(label.images);

      // The same filter narrows a query: a preset run now keeps to the label.
      await page.getByRole('button', { name: BACKGROUND.title }).click();
      await page.locator('.results[data-status="done"]').waitFor();
      await page.locator('[data-facet="imageLabels"]').getByLabel(label.value).check();
      await until(async () => page.url().includes(`label=${label.value}`) && (await page.locator('.results[data-status="done"]').count()) === 1, 'the narrowed query');
      const labels = await page.locator('.card .card-facts').allTextContents();
      expect(labels.length).toBeGreaterThan(0);
      expect(labels.every((t) => t.includes(`label ${label.value}`))).toBe(true);
    });

    it('the detail view: the in-range view lights exactly the pixels CP counts, zoom, the value under the cursor, arrow keys', async () => {
      await page.goto(`${server.origin}/?${queryToParams(BACKGROUND.query)}`);
      await page.locator('.results[data-status="done"]').waitFor();
      // The last of the 25 (the largest share of the ASC ranking): a value above 0 to check the count against.
      const last = page.locator('.card').nth(24);
      const key = (await last.getAttribute('data-image-key'))!;
      const value = Number((await last.getByTestId('value').textContent())!.split(' ')[0]);
      await last.locator('.card-open').click();
      const dialog = page.getByRole('dialog', { name: key });
      await dialog.waitFor();
      await dialog.getByTestId('in-range-count').waitFor();
      // The saliency masks are 8-bit: the layer's count is exact, and its share of the ROI is the query's value.
      const [, counted, area] = /^([\d,]+) of ([\d,]+) ROI pixels/.exec((await dialog.getByTestId('in-range-count').textContent())!)!.map((s) => s.replace(/,/g, ''));
      expect((Number(counted) / Number(area)).toFixed(4)).toBe(value.toFixed(4));
      expect(await dialog.getByTestId('legend').count()).toBe(1);

      await dialog.getByRole('button', { name: 'Zoom in' }).click();
      expect(await dialog.getByTestId('zoom').textContent()).toBe('2×');
      const stage = dialog.getByTestId('inspector-stage');
      const box = (await stage.boundingBox())!;
      await page.mouse.move(box.x + 40, box.y + 40);
      await until(async () => /^pixel \(\d+, \d+\): value \d\.\d{3}/.test((await dialog.getByTestId('cursor-value').textContent()) ?? ''), 'the value under the cursor');
      await dialog.getByRole('button', { name: 'Reset' }).click();
      await shot('detail-in-range');

      expect(await dialog.getByTestId('detail-position').textContent()).toContain('25 of 25');
      const previous = await page.locator('.card').nth(23).getAttribute('data-image-key');
      await page.keyboard.press('ArrowLeft');
      await page.getByRole('dialog', { name: previous! }).waitFor();
      expect(page.url()).toContain(`image=${previous}`);
      await page.keyboard.press('ArrowRight');
      await page.getByRole('dialog', { name: key }).waitFor();
      await page.keyboard.press('Escape');
    });

    it('tags a result set (stored, a facet, usable in where), exports it, and copies the query as curl and Python that run', async () => {
      await page.goto(`${server.origin}/?${queryToParams(REAL.query)}`);
      await page.locator('.results[data-status="done"]').waitFor();
      const keys = (await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-image-key')))) as string[];

      await page.getByLabel('Tag', { exact: true }).fill('disagree');
      await page.getByRole('button', { name: 'Tag', exact: true }).click();
      await until(async () => ((await page.getByTestId('tag-message').textContent()) ?? '').startsWith('Tagged 10 of 10 images'), 'the tag to be stored');
      const tagged = await gql<{ browseImages: { images: { key: string }[] } }>(server.origin, '{ browseImages(where: { imageTags: ["disagree"] }) { images { key } } }');
      expect(tagged.browseImages.images.map((i) => i.key).sort()).toEqual([...keys].sort());
      await until(async () => (await page.locator('[data-facet="imageTags"]').getByLabel('disagree').count()) === 1, 'the tag among the facets');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\r\n');
      expect(csv[0]).toBe('rank,imageKey,maskIds,maskTypes,model,value,label,prediction,split');
      expect(csv.slice(1).map((line) => line.split(',')[1])).toEqual(keys);

      const copied = async (start: string) => {
        await until(async () => ((await page.getByTestId('copied-text').textContent()) ?? '').startsWith(start), `the copied ${start}`);
        return (await page.getByTestId('copied-text').textContent())!;
      };
      await page.getByRole('button', { name: 'Copy as curl' }).click();
      const curl = await copied('curl ');
      const fromCurl = JSON.parse((await run('sh', ['-c', curl])).stdout) as { data: { result: { groups: { edges: { node: { image: { key: string } } }[] } } } };
      expect(fromCurl.data.result.groups.edges.map((e) => e.node.image.key)).toEqual(keys);

      await page.getByRole('button', { name: 'Copy as Python' }).click();
      const python = await copied('import json');
      await writeFile(join(dir, 'query.py'), python);
      const stats = JSON.parse((await run('python3', [join(dir, 'query.py')])).stdout) as { groups: number };
      expect(stats.groups).toBe(80);
      await shot('result-tags');

      // Untagged again through the same form: the facet goes.
      await page.getByRole('button', { name: 'Untag' }).click();
      await until(async () => ((await page.getByTestId('tag-message').textContent()) ?? '').startsWith('Untagged 10 of 10'), 'the untag');
    });

    it('shows accuracy and the top confusions of a synthetic result set beside the dataset\'s', async () => {
      await page.goto(`${server.origin}/?${queryToParams(BACKGROUND.query)}`);
      await page.locator('.results[data-status="done"]').waitFor();
      await page.getByTestId('accuracy-here').waitFor();
      const keys = (await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-image-key')))) as string[];
      const api = await gql<{ maskFacets: { predictions: { accuracy: number } } }>(server.origin, 'query ($keys: [String!]) { maskFacets(where: { imageKeys: $keys }) { predictions { accuracy } } }', { keys });
      expect(await page.getByTestId('accuracy-here').textContent()).toBe(`${(api.maskFacets.predictions.accuracy * 100).toFixed(1)} %`);
      expect(await page.getByTestId('accuracy-overall').textContent()).toMatch(/^\d+\.\d %$/);
      // The actions sit below the grid of results.
      await page.getByTestId('accuracy').scrollIntoViewIfNeeded();
      await shot('result-actions');
    });

    it('raised no error in the page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
});

describe('the browsing grid over 100,000 images', () => {
  let dir: string;
  let server: Served;
  let browser: Browser;
  const IMAGES = 100_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-e2e-grid-'));
    [server, browser] = await Promise.all([serveStore(join(dir, 'store')), launchChromium()]);
    const token = await createToken(join(dir, 'store'), 'write', 'e2e-grid');
    const batch = 10_000;
    for (let at = 0; at < IMAGES; at += batch) {
      const images = Array.from({ length: batch }, (_, i) => ({ key: `img-${String(at + i).padStart(6, '0')}`, width: 64, height: 64, label: ['cat', 'dog', 'car'][(at + i) % 3] }));
      await gql(server.origin, 'mutation ($images: [MaskSearchImageInput!]!) { upsertImages(images: $images) { id } }', { images }, token);
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scrolls from the top to the bottom with the grid filling in; long tasks are measured and reported', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${server.origin}/`);
    await page.getByTestId('browse-count').filter({ hasText: '100,000 images' }).waitFor();
    await page.evaluate(() => {
      const entries: number[] = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => entries.push(e.duration))).observe({ type: 'longtask', buffered: false });
      (window as unknown as { longTasks: number[] }).longTasks = entries;
    });
    // The measurement works: a task of 80 ms made on purpose is seen, then forgotten.
    // (In a task of the page's own: what DevTools evaluates is not measured.)
    await page.evaluate(() =>
      setTimeout(() => {
        const start = performance.now();
        while (performance.now() - start < 80);
      }, 0),
    );
    await page.waitForFunction(() => (window as unknown as { longTasks: number[] }).longTasks.length > 0);
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks.length = 0));
    // 120 scroll steps spread over the whole height, one per animation frame, as a fast fling or a dragged scrollbar.
    const steps = await page.evaluate(async () => {
      const scroller = document.querySelector('[data-testid="browse-scroller"]') as HTMLElement;
      const n = 120;
      for (let i = 1; i <= n; i++) {
        scroller.scrollTop = ((scroller.scrollHeight - scroller.clientHeight) * i) / n;
        await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
        await new Promise((resolve) => setTimeout(resolve, 16));
      }
      return n;
    });
    // The last row is in view, and its images arrive.
    await page.locator('.thumb[data-image-key="img-099999"]').waitFor({ timeout: 20_000 });
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    const report = { images: IMAGES, scrollSteps: steps, longTasks: longTasks.length, longestMs: longTasks.length ? Math.max(...longTasks) : 0, over50ms: longTasks.filter((d) => d > 50).length };
    console.log(`browsing grid: ${JSON.stringify(report)}`);
    await writeFile(join(SCREENSHOTS, 'grid-long-tasks.json'), JSON.stringify(report, null, 2));
    await page.screenshot({ path: join(SCREENSHOTS, 'grid-100k.png') });
    expect(await page.locator('.thumb').count()).toBeLessThan(200);
  }, 120_000);
});
