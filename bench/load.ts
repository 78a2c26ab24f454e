/**
 * The load benchmark (`npm run bench:load`): a MaskSearch server process on a fresh PostgreSQL
 * database holding synthetic masks, 1, 8 and 32 concurrent clients running a query mix for a
 * fixed time each while another process (`masksearch ingest`) keeps ingesting, then req/s, p50,
 * p99, max and errors per phase. A sample of the answers is checked against the same query with
 * useIndex: false (over masks the ingest does not touch, so the two see the same set).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import postgres from 'postgres';
import { buildChi, DEFAULT_CHI_CONFIG, serializeChi } from '../engine/index.js';
import { openDatabase } from '../db/client.js';
import { upsertImages } from '../db/repositories/images.js';
import { insertMasks } from '../db/repositories/masks.js';
import { upsertModels } from '../db/repositories/models.js';
import { encodeNpy } from '../plugins/kit/npy.js';
import { generateDataset } from './synthetic-masks.js';

const BIN = fileURLToPath(new URL('../bin/masksearch.js', import.meta.url));

interface Options {
  images: number;
  size: number;
  seconds: number;
  clients: number[];
  databaseUrl: string;
  keep: boolean;
  pixelWorkers?: number;
  probe: boolean;
  serverCpuProf?: string;
}

const WHERE = '{ modelNames: ["resnet50"] }';
const STATS = 'stats { verified elapsedMs }';

/** The query mix, by weight; `check` marks queries whose answer is compared with useIndex: false. */
const MIX: { name: string; weight: number; check?: boolean; query: (useIndex: boolean, r: number) => string }[] = [
  { name: 'topk-object', weight: 30, check: true, query: (u, r) => `{ topKByCP(where: ${WHERE}, roi: { imageBox: "object" }, range: { gt: ${(0.3 + r * 0.4).toFixed(2)} }, normalize: ROI_FRACTION, k: 25, order: ASC, useIndex: ${u}) { items { nodes { value mask { id image { key label } } } } ${STATS} } }` },
  { name: 'filter-box', weight: 30, check: true, query: (u, r) => `{ filterByCP(where: ${WHERE}, roi: { box: { x: 8, y: 8, width: 32, height: 32 } }, range: { gt: 0.6 }, op: GT, threshold: ${Math.round(100 + r * 400)}, first: 25, useIndex: ${u}) { totalCount matches { edges { node { value mask { id } } } } ${STATS} } }` },
  { name: 'aggregate-iou', weight: 15, query: (u) => `{ aggregateMasks(where: { maskTypes: ["saliency", "human-attention"] }, op: INTERSECT, threshold: 0.5, measure: IOU, k: 25, order: ASC, useIndex: ${u}) { groups { edges { node { value image { key } } } } ${STATS} } }` },
  { name: 'masks-page', weight: 15, query: () => `{ masks(first: 50, where: ${WHERE}) { nodes { id maskType width image { key } } } }` },
  { name: 'scan', weight: 5, query: (_, r) => `{ topKByCP(where: ${WHERE}, roi: { full: true }, range: { gt: ${(0.2 + r * 0.5).toFixed(2)} }, k: 10, useIndex: false) { items { nodes { value } } ${STATS} } }` },
  { name: 'png', weight: 5, query: () => '' },
];
const TOTAL_WEIGHT = MIX.reduce((s, m) => s + m.weight, 0);

function pick(r: number) {
  let x = r * TOTAL_WEIGHT;
  for (const m of MIX) if ((x -= m.weight) < 0) return m;
  return MIX[0];
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);

async function seed(databaseUrl: string, images: number, size: number): Promise<number> {
  const handle = await openDatabase({ databaseUrl });
  try {
    const data = generateDataset({ images, size, seed: 1 });
    const [resnet] = await upsertModels(handle.db, [{ name: 'resnet50', kind: 'classifier' }]);
    const ids = await upsertImages(handle.db, data.images.map((im, i) => ({ key: `img-${i}`, width: im.width, height: im.height, label: ['cat', 'dog'][i % 2], boxes: { object: [...im.boxes.object] as [number, number, number, number] } })));
    const idOf = new Map(data.images.map((im, i) => [im.id, ids[i]]));
    for (let start = 0; start < data.masks.length; start += 500) {
      const batch = data.masks.slice(start, start + 500);
      await insertMasks(
        handle.db,
        batch.map((m) => ({
          imageId: idOf.get(m.imageId)!,
          modelId: m.kind === 'saliency' ? resnet : null,
          maskType: m.kind === 'saliency' ? 'saliency' : 'human-attention',
          source: 'bench',
          mask: m.mask,
          chi: serializeChi(buildChi(m.mask, DEFAULT_CHI_CONFIG)),
        })),
      );
    }
    return data.masks.length;
  } finally {
    await handle.close();
  }
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startServer(env: NodeJS.ProcessEnv, pixelWorkers: number | undefined, cpuProfDir: string | undefined): Promise<{ child: ChildProcess; url: string }> {
  const workers = pixelWorkers === undefined ? [] : ['--pixel-workers', String(pixelWorkers)];
  // Node writes the profiles (one per thread) when the server exits, which it does on SIGTERM.
  const profile = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const child = spawnCli(['serve', '--port', '0', '--no-demo', '--cache-mb', '1024', ...workers], env, profile);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const ready = /MaskSearch ready: (\S+)/.exec(out);
      if (ready) resolve(ready[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  child.stderr!.resume();
  return { child, url };
}

/** Keeps `masksearch ingest` running over fresh folders of .npy files until stopped; resolves to the rounds it ran. */
function ingestLoop(env: NodeJS.ProcessEnv, dir: string, size: number): { stop(): Promise<number> } {
  let stopping = false;
  let round = 0;
  const loop = (async () => {
    while (!stopping) {
      const folder = join(dir, `round-${round++}`);
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder, { recursive: true });
      for (let i = 0; i < 100; i++) {
        const values = Float32Array.from({ length: size * size }, (_, p) => ((p * 13 + i * 7 + round * 5) % 256) / 255);
        await writeFile(join(folder, `load-${round}-${i}.npy`), encodeNpy({ descr: '<f4', shape: [size, size], data: new Uint8Array(values.buffer) }));
      }
      const child = spawnCli(['ingest', '--source', 'gradcam', '--model', 'ingest-load', '--workers', '1', folder], env);
      child.stdout!.resume();
      child.stderr!.resume();
      await new Promise((resolve) => child.on('exit', resolve));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return round;
    },
  };
}

/**
 * CPU seconds (user + system) a process has used in all its threads and in its main thread, and
 * the seconds its main thread was ready to run but waited for a core (Linux's /proc: stat and
 * schedstat).
 */
async function cpuSeconds(pid: number): Promise<{ process: number; main: number; mainWaited: number }> {
  const ticks = async (path: string) => {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = (await readFile(path, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const [, waitedNs] = (await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')).split(' ').map(Number);
  return { process: await ticks(`/proc/${pid}/stat`), main: await ticks(`/proc/${pid}/task/${pid}/stat`), mainWaited: waitedNs / 1e9 };
}

interface PhaseResult {
  clients: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  byQuery: Record<string, { n: number; p50: number; p99: number; max: number }>;
  loadAverage: number[];
  /** The server's CPU seconds during the phase (all threads, the main thread) and its main thread's wait for a core. */
  serverCpu: { process: number; main: number; mainWaited: number };
}

async function request(url: string, query: string): Promise<{ ok: boolean; body?: { data?: unknown; errors?: unknown[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json().catch(() => undefined)) as { data?: unknown; errors?: unknown[] } | undefined;
  return { ok: response.status === 200 && !!body && !body.errors, body };
}

async function phase(url: string, serverPid: number, clients: number, seconds: number, maskIds: number[], checks: { query: string; answer: unknown }[]): Promise<PhaseResult> {
  const cpuBefore = await cpuSeconds(serverPid);
  const base = url.replace(/\/graphql$/, '');
  const latencies: { name: string; ms: number }[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  let counter = 0;
  const client = async (c: number) => {
    while (performance.now() < until) {
      const r = ((counter++ * 0.6180339887 + c * 0.1234) % 1 + 1) % 1;
      const kind = pick(r);
      const started = performance.now();
      try {
        if (kind.name === 'png') {
          const response = await fetch(`${base}/masks/${maskIds[Math.floor(r * 997) % maskIds.length]}.png?colormap=turbo`);
          await response.arrayBuffer();
          if (response.status !== 200) errors++;
        } else {
          const query = kind.query(true, (r * 7) % 1);
          const { ok, body } = await request(url, query);
          if (!ok) errors++;
          else if (kind.check && counter % 10 === 0) checks.push({ query: kind.query(false, (r * 7) % 1), answer: body!.data });
        }
      } catch {
        errors++;
      }
      latencies.push({ name: kind.name, ms: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const cpuAfter = await cpuSeconds(serverPid);
  const serverCpu = { process: cpuAfter.process - cpuBefore.process, main: cpuAfter.main - cpuBefore.main, mainWaited: cpuAfter.mainWaited - cpuBefore.mainWaited };
  const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
  const byQuery: PhaseResult['byQuery'] = {};
  for (const m of MIX) {
    const ms = latencies.filter((l) => l.name === m.name).map((l) => l.ms).sort((a, b) => a - b);
    byQuery[m.name] = { n: ms.length, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: ms[ms.length - 1] ?? NaN };
  }
  return { clients, seconds, requests: sorted.length, rps: sorted.length / seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, errors, byQuery, loadAverage: os.loadavg(), serverCpu };
}

interface ProbeResult {
  scans: number;
  scanP50: number;
  probes: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  loadAverage: number[];
  serverCpu: { process: number; main: number; mainWaited: number };
}

/**
 * How long a request waits behind scans: one client sends the cheapest request there is
 * (`{ __typename }`, a millisecond of work) back to back while `scanners` clients run the scan
 * query back to back; with no scanners, the same probe alone. Its latency is the time it spent
 * waiting for the server's thread, plus that millisecond.
 */
async function probePhase(url: string, serverPid: number, scanners: number, seconds: number): Promise<ProbeResult> {
  const cpuBefore = await cpuSeconds(serverPid);
  const until = performance.now() + seconds * 1000;
  const scanQuery = MIX.find((m) => m.name === 'scan')!;
  const scanMs: number[] = [];
  const probeMs: number[] = [];
  let errors = 0;
  let scanning = scanners;
  const scanner = async (c: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const started = performance.now();
      if (!(await request(url, scanQuery.query(false, ((i + c) * 0.37) % 1))).ok) errors++;
      scanMs.push(performance.now() - started);
    }
    scanning--;
  };
  const probe = async () => {
    while (performance.now() < until && (scanners === 0 || scanning > 0)) {
      const started = performance.now();
      if (!(await request(url, '{ __typename }')).ok) errors++;
      probeMs.push(performance.now() - started);
    }
  };
  await Promise.all([probe(), ...Array.from({ length: scanners }, (_, c) => scanner(c))]);
  const cpuAfter = await cpuSeconds(serverPid);
  const serverCpu = { process: cpuAfter.process - cpuBefore.process, main: cpuAfter.main - cpuBefore.main, mainWaited: cpuAfter.mainWaited - cpuBefore.mainWaited };
  const probes = probeMs.sort((a, b) => a - b);
  const scans = scanMs.sort((a, b) => a - b);
  return { scans: scans.length, scanP50: percentile(scans, 0.5), probes: probes.length, p50: percentile(probes, 0.5), p99: percentile(probes, 0.99), max: probes[probes.length - 1] ?? NaN, errors, loadAverage: os.loadavg(), serverCpu };
}

/**
 * What one scan costs the server, alone (after the ingest): CPU seconds of its main thread and of
 * the whole process per scan, over `n` scans back to back. The main thread's share is time other
 * requests would wait for in total; unlike wall time it hardly depends on the machine's load.
 */
async function scanCost(url: string, serverPid: number, n: number) {
  const scanQuery = MIX.find((m) => m.name === 'scan')!;
  const before = await cpuSeconds(serverPid);
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await request(url, scanQuery.query(false, (i * 0.37) % 1));
    wall.push(performance.now() - started);
  }
  const after = await cpuSeconds(serverPid);
  return { wallP50: percentile(wall.sort((a, b) => a - b), 0.5), mainCpu: (after.main - before.main) / n, processCpu: (after.process - before.process) / n };
}

/** Only the ids and values: stats differ between the index and the scan by design. */
const answerOf = (data: unknown): unknown => JSON.parse(JSON.stringify(data, (key, value) => (key === 'stats' ? undefined : value)));

async function main(options: Options): Promise<void> {
  const name = `masksearch_load_${randomBytes(4).toString('hex')}`;
  const admin = new URL(options.databaseUrl);
  admin.pathname = '/postgres';
  const root = postgres(admin.href, { max: 1, onnotice: () => {} });
  await root`create database ${root(name)}`;
  const dbUrl = new URL(options.databaseUrl);
  dbUrl.pathname = `/${name}`;
  const env = { ...process.env, DATABASE_URL: dbUrl.href };
  const dir = await mkdtemp(join(os.tmpdir(), 'masksearch-load-'));
  let server: ChildProcess | undefined;
  try {
    const masks = await seed(dbUrl.href, options.images, options.size);
    console.log(`seeded ${masks} masks (${options.images} images, ${options.size}×${options.size}) into ${name}`);
    const started = await startServer(env, options.pixelWorkers, options.serverCpuProf);
    server = started.child;
    const ingest = ingestLoop(env, dir, options.size);
    const ids = (await request(started.url, '{ masks(first: 500) { nodes { id } } }')).body as { data: { masks: { nodes: { id: string }[] } } };
    const maskIds = ids.data.masks.nodes.map((n) => Number(Buffer.from(n.id, 'base64').toString().split(':')[1]));
    const results: PhaseResult[] = [];
    const checks: { query: string; answer: unknown }[] = [];
    for (const clients of options.clients) {
      const result = await phase(started.url, server.pid!, clients, options.seconds, maskIds, checks);
      results.push(result);
      console.log(
        `${String(clients).padStart(2)} clients: ${result.rps.toFixed(1)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms, ` +
          `${result.errors} errors of ${result.requests}; server CPU ${result.serverCpu.process.toFixed(1)} s (main thread ${result.serverCpu.main.toFixed(1)} s, which waited ${result.serverCpu.mainWaited.toFixed(1)} s for a core) in ${result.seconds} s; load average ${result.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
      );
      for (const [q, s] of Object.entries(result.byQuery)) if (s.n) console.log(`    ${q.padEnd(14)} n ${String(s.n).padStart(5)}  p50 ${s.p50.toFixed(1).padStart(7)} ms  p99 ${s.p99.toFixed(1).padStart(7)} ms  max ${s.max.toFixed(1).padStart(7)} ms`);
    }
    if (options.probe) {
      for (const scanners of [0, 1, 2]) {
        const probe = await probePhase(started.url, server.pid!, scanners, options.seconds);
        console.log(
          `probe beside ${scanners} scanning client${scanners === 1 ? '' : 's'}: { __typename } n ${probe.probes}, p50 ${probe.p50.toFixed(1)} ms, p99 ${probe.p99.toFixed(1)} ms, max ${probe.max.toFixed(1)} ms` +
            (scanners ? `; ${probe.scans} scans, p50 ${probe.scanP50.toFixed(1)} ms` : '') +
            `; ${probe.errors} errors; server CPU ${probe.serverCpu.process.toFixed(1)} s (main thread ${probe.serverCpu.main.toFixed(1)} s, which waited ${probe.serverCpu.mainWaited.toFixed(1)} s for a core)` +
            `; load average ${probe.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
        );
      }
    }
    const rounds = await ingest.stop();
    const cost = await scanCost(started.url, server.pid!, 10);
    console.log(
      `one scan alone (10 back to back, no ingest): wall p50 ${cost.wallP50.toFixed(1)} ms; server CPU ${(cost.processCpu * 1000).toFixed(0)} ms, of which main thread ${(cost.mainCpu * 1000).toFixed(0)} ms; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    // The sampled answers, each compared with the same query as a full scan.
    let mismatches = 0;
    const sample = checks.filter((_, i) => i % Math.max(1, Math.floor(checks.length / 40)) === 0);
    for (const check of sample) {
      const scan = await request(started.url, check.query);
      if (JSON.stringify(answerOf(scan.body?.data)) !== JSON.stringify(answerOf(check.answer))) mismatches++;
    }
    console.log(`ingest: ${rounds} rounds of 100 files ran beside the clients; answers checked against useIndex: false: ${sample.length}, mismatches: ${mismatches}`);
    if (mismatches > 0) process.exitCode = 1;
  } finally {
    server?.kill('SIGTERM');
    await new Promise((resolve) => (server && server.exitCode === null ? server.on('exit', resolve) : resolve(undefined)));
    if (!options.keep) await root`drop database if exists ${root(name)} with (force)`;
    await root.end();
    await rm(dir, { recursive: true, force: true });
  }
}

const program = new Command('bench:load')
  .description('concurrent clients against a server process while another process ingests')
  .option('--images <n>', 'synthetic images (each with a saliency and a human-attention mask)', positiveInt, 2000)
  .option('--size <n>', 'mask side in pixels', positiveInt, 64)
  .option('--seconds <n>', 'duration of each phase', positiveInt, 10)
  .option('--clients <list>', 'concurrent clients per phase, comma-separated', (t) => t.split(',').map((s) => positiveInt(s)), [1, 8, 32])
  .option('--database-url <url>', 'a PostgreSQL server to create the throwaway database on', process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
  .option('--keep', 'keep the database afterwards', false)
  .option('--pixel-workers <n>', "the server's --pixel-workers (its default when left out; 0: scans counted and pixels decoded on its main thread)", (t) => (t === '0' ? 0 : positiveInt(t)))
  .option('--server-cpu-prof <dir>', "write the server's CPU profiles (node --cpu-prof, one .cpuprofile per thread) into this folder")
  .option('--no-probe', 'skip the phases measuring how long a cheap request waits behind scans')
  .action((options: Options) => main(options));

await program.parseAsync();
