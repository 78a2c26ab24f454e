import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, type SeedReporter } from '../../demo/seed.js';
import { serviceTarget } from '../../demo/targets.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import { createHttpServer } from '../../service/http.js';
import { startService, type RunningService } from '../service/service-fixture.js';

/**
 * The README's snippets, run as a user would run them (python3 and node, from the repository,
 * against a server on the demo data), their output checked against the API's own answers.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const silent: SeedReporter = { start() {}, generated() {}, stored() {}, line() {} };

/** The code of the block after `<!-- snippet: NAME -->`. */
function snippet(readme: string, name: string): string {
  const match = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(readme);
  if (!match) throw new Error(`README.md has no snippet ${name}`);
  return match[1];
}

function run(command: string, args: string[], code: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(code);
  });
}

let running: RunningService;
let dir: string;
let readme: string;
let env: Record<string, string>;
let close: () => Promise<void>;

beforeAll(async () => {
  [running, dir, readme] = await Promise.all([
    startService(undefined, undefined, { sources: await loadSourceRegistry() }),
    mkdtemp(join(tmpdir(), 'masksearch-readme-')),
    readFile(join(ROOT, 'README.md'), 'utf8'),
  ]);
  await seedDemo(serviceTarget(running.service), running.service.sources, { seed: 1, images: 300, dir }, silent);
  const server = createHttpServer(running.service);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = { MASKSEARCH_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  close = () => new Promise((resolve) => server.close(() => resolve()));
}, 240_000);

afterAll(async () => {
  await close?.();
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function totalCount(query: string): Promise<number> {
  const res = await running.gql<{ filterByCP: { totalCount: number } }>(`{ filterByCP(${query}) { totalCount } }`);
  expect(res.errors).toBeUndefined();
  return res.data!.filterByCP.totalCount;
}

describe('README snippets run as written on the demo data', () => {
  it('every GraphQL example answers without errors', async () => {
    const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const res = await running.gql(example);
      expect(res.errors, example).toBeUndefined();
    }
  });

  it('the Python audit (standard library only) pages through every match', async () => {
    const { status, stdout, stderr } = await run('python3', ['-'], snippet(readme, 'audit-python'), env);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const [, found, pages] = /^(\d+) saliency maps barely cover the object \((\d+) pages\)\n/.exec(stdout) ?? [];
    const expected = await totalCount('where: { maskTypes: ["saliency"] }, roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION, op: LT, threshold: 0.2');
    expect(Number(found)).toBe(expected);
    expect(Number(pages)).toBe(Math.max(1, Math.ceil(expected / 10)));
    expect(Number(pages)).toBeGreaterThan(1);
    expect(stdout.trim().split('\n')).toHaveLength(1 + Math.min(5, expected));
  });

  it('the Node audit (graphql-request) pages through every match', async () => {
    const { status, stdout, stderr } = await run(process.execPath, ['--input-type=module'], snippet(readme, 'audit-node'), env);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const [, found, total, attacked] = /^(\d+) of (\d+) dispersed saliency maps fetched; (\d+) of their images are flagged attacked\n/.exec(stdout) ?? [];
    const expected = await totalCount('where: { maskTypes: ["saliency"] }, roi: { full: true }, range: { gt: 0.2, lt: 0.6 }, normalize: ROI_FRACTION, op: GT, threshold: 0.9');
    expect([Number(found), Number(total)]).toEqual([expected, expected]);
    expect(expected).toBeGreaterThan(5);
    // The demo's dispersed images are the attacked ones.
    expect(Number(attacked)).toBe(expected);
    for (const line of stdout.trim().split('\n').slice(1)) expect(line).toMatch(new RegExp(`^  demo-\\d{5}  0\\.9\\d\\d  ${env.MASKSEARCH_URL}/masks/\\S+\\.png\\?colormap=turbo$`));
  });

  it("the federation quick start answers one query across both subgraphs with our endpoint's values", async () => {
    const { status, stdout, stderr } = await run(process.execPath, ['--input-type=module'], snippet(readme, 'federation'), env);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const answer = JSON.parse(stdout) as {
      errors?: unknown;
      data: {
        toReview: { key: string; reviewed: boolean; label: string; masks: { maskType: string; cp: number | null }[] }[];
        topKByCP: { items: { nodes: { rank: number; value: number; mask: { image: { key: string; reviewed: boolean } } }[] } };
      };
    };
    expect(answer.errors).toBeUndefined();
    const direct = await running.gql<{
      a: { label: string; masks: { maskType: string; cp: number | null }[] };
      b: { label: string; masks: { maskType: string; cp: number | null }[] };
      topKByCP: { items: { nodes: { rank: number; value: number; mask: { image: { key: string } } }[] } };
    }>(`{
      a: image(key: "demo-00001") { label masks { maskType cp(roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION) } }
      b: image(key: "demo-00002") { label masks { maskType cp(roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION) } }
      topKByCP(where: { maskTypes: ["saliency"] }, roi: { full: true }, range: { gt: 0.2, lt: 0.6 }, normalize: ROI_FRACTION, k: 2) {
        items { nodes { rank value mask { image { key } } } }
      }
    }`);
    expect(direct.errors).toBeUndefined();
    expect(answer.data.toReview).toEqual([
      { key: 'demo-00001', reviewed: false, ...direct.data!.a },
      { key: 'demo-00002', reviewed: false, ...direct.data!.b },
    ]);
    const queue = ['demo-00001', 'demo-00002', 'demo-00003'];
    expect(answer.data.topKByCP.items.nodes).toEqual(
      direct.data!.topKByCP.items.nodes.map((n) => ({ ...n, mask: { image: { key: n.mask.image.key, reviewed: !queue.includes(n.mask.image.key) } } })),
    );
  });
});
