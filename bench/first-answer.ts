/**
 * `npm run bench:first-answer`: the explorer's first run as a new user meets it. Each run starts
 * `masksearch serve` on a fresh embedded store (which seeds the real photos and the synthetic
 * demo, as `npm start` does), opens a scenario card's URL in Chromium the moment the server says
 * it is ready, and times page open (navigation start) to the first result card shown, while the
 * store is still filling (timed in the page, in the frame that shows it). One page per run by
 * default, as a user opens it; `--pair` opens the real and the synthetic preset at once, as the
 * browser test does. Per run: ready time, each
 * preset's first answer and how the page spent it (HTML, script, first GraphQL request);
 * then per preset the median and the maximum. Needs the built explorer (`npm run build:web`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Browser } from 'playwright-core';
import { DEFAULT_DEMO_IMAGES } from '../cli/commands/demo.js';
import { PRESETS, type Preset } from '../web/src/query/presets.js';
import { queryToParams } from '../web/src/query/url-state.js';
import { launchChromium } from './chromium.js';
import { positiveInt } from './cli-options.js';
import { ERROR_SHOWN, FIRST_ANSWER_MS, WATCH_FIRST_ANSWER } from './first-answer-timing.js';
import { serveStore } from './served-store.js';
import { median } from './suite.js';

interface Options {
  runs: number;
  demoImages: number;
  pair: boolean;
}

const preset = (id: string): Preset => {
  const found = PRESETS.find((p) => p.id === id);
  if (!found) throw new Error(`no preset ${id}`);
  return found;
};
const REAL = preset('real-disagree');
const SYNTHETIC = preset('background-focus');

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Answer {
  preset: string;
  /** Navigation start to the first result card. */
  ms: number;
  /** Navigation start to the end of the HTML, of the script, and of the first GraphQL response. */
  html: number;
  script: number;
  firstGraphql: number;
  /** Whether the page still showed the seeding banner once the answer was read. */
  seeding: boolean;
}

/** Evaluated in the page: times since navigation start. */
const PAGE_TIMING = `(() => {
  const resources = performance.getEntriesByType('resource');
  const end = (suffix) => resources.find((r) => r.name.endsWith(suffix))?.responseEnd ?? NaN;
  return { ms: ${FIRST_ANSWER_MS}, html: performance.getEntriesByType('navigation')[0].responseEnd, script: end('.js'), firstGraphql: end('/graphql') };
})()`;

async function openPresets(browser: Browser, origin: string, presets: readonly Preset[]): Promise<Answer[]> {
  const pages = await Promise.all(presets.map(() => browser.newPage({ viewport: { width: 1400, height: 1000 } })));
  await Promise.all(pages.map((p) => p.addInitScript(WATCH_FIRST_ANSWER)));
  const pageErrors = pages.map(() => [] as string[]);
  pages.forEach((p, i) => p.on('pageerror', (error) => pageErrors[i].push(error.message)));
  try {
    await Promise.all(pages.map((p, i) => p.goto(`${origin}/?${queryToParams(presets[i].query)}`)));
    return await Promise.all(
      pages.map(async (page, i) => {
        await page.waitForFunction(`typeof ${FIRST_ANSWER_MS} === 'number'`, undefined, { timeout: 60_000 });
        // A string, not a function: tsx's helpers in a compiled function do not exist in the page.
        const timing = (await page.evaluate(PAGE_TIMING)) as Pick<Answer, 'ms' | 'html' | 'script' | 'firstGraphql'>;
        // The store filling is no excuse for an error: a run that showed one measured nothing.
        if (pageErrors[i].length > 0 || (await page.evaluate(ERROR_SHOWN))) {
          const banner = await page.locator('.error-banner').first().textContent().catch(() => null);
          throw new Error(`${presets[i].id}: the page showed an error before its first answer: ${pageErrors[i][0] ?? banner ?? '(the banner is gone)'}`);
        }
        const seeding = (await page.getByTestId('seeding').count()) > 0;
        return { preset: presets[i].id, seeding, ...timing };
      }),
    );
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
}

async function run(opts: Options): Promise<void> {
  if (!existsSync(fileURLToPath(new URL('../web/dist/index.html', import.meta.url)))) {
    throw new Error('the explorer is not built: run `npm run build:web` first');
  }
  const plan: Preset[][] = opts.pair ? [[REAL, SYNTHETIC]] : [[REAL], [SYNTHETIC]];
  console.log(
    `# bench:first-answer — ${opts.runs} fresh starts per ${opts.pair ? 'pair of pages' : 'page'}, demo ${opts.demoImages} synthetic images, Node ${process.version}, load ${loadAverage()}`,
  );
  const browser = await launchChromium();
  const answers: Answer[] = [];
  try {
    for (let r = 0; r < opts.runs; r++) {
      // Alternating the presets run by run, so that neither always meets the machine in the same state.
      for (const presets of r % 2 ? [...plan].reverse() : plan) {
        const dir = await mkdtemp(join(tmpdir(), 'masksearch-first-answer-'));
        try {
          const started = performance.now();
          const server = await serveStore(join(dir, 'store'), { demoImages: opts.demoImages });
          const readyMs = performance.now() - started;
          try {
            const got = await openPresets(browser, server.origin, presets);
            answers.push(...got);
            const cells = got.map((a) => `${a.preset} ${a.ms.toFixed(0)} ms (html ${a.html.toFixed(0)}, script ${a.script.toFixed(0)}, first GraphQL ${a.firstGraphql.toFixed(0)}${a.seeding ? ', seeding' : ', seeding had ended'})`);
            console.log(`run ${r + 1}: ready ${(readyMs / 1000).toFixed(1)} s; ${cells.join('; ')}; load ${loadAverage()}`);
          } finally {
            await server.stop();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await browser.close();
  }
  console.log('\n| preset | runs | median ms | max ms | ≤ 2,000 ms | answered while seeding |');
  console.log('|:--|--:|--:|--:|--:|--:|');
  for (const p of plan.flat()) {
    const mine = answers.filter((a) => a.preset === p.id);
    const ms = mine.map((a) => a.ms);
    const within = ms.filter((m) => m <= 2000).length;
    console.log(`| ${p.id} | ${mine.length} | ${median(ms).toFixed(0)} | ${Math.max(...ms).toFixed(0)} | ${within} of ${mine.length} | ${mine.filter((a) => a.seeding).length} of ${mine.length} |`);
  }
  console.log(`\nload at end ${loadAverage()}`);
}

const program = new Command()
  .name('bench:first-answer')
  .description('page open to the first answer of a scenario card on a fresh `masksearch serve`, while it seeds the demo')
  .option('--runs <n>', 'fresh starts per preset (or per pair)', positiveInt, 5)
  .option('--demo-images <n>', 'synthetic demo images the fresh store is seeded with (npm start: the default)', positiveInt, DEFAULT_DEMO_IMAGES)
  .option('--pair', 'open the real and the synthetic preset at once, in two pages, as the browser test does')
  .action(async (opts: Options) => run({ ...opts, pair: opts.pair ?? false }));

await program.parseAsync();
