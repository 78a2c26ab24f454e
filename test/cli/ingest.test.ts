import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getImagesByKeys } from '../../db/repositories/images.js';
import { getMasksByImageIds } from '../../db/repositories/masks.js';
import { encodeNpy } from '../../plugins/kit/npy.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';
import { runCli, runOnStore, startServer, storeArgs } from './cli-process.js';

const npy = (values: number[], shape = [2, values.length / 2]) => encodeNpy({ descr: '<f4', shape, data: new Uint8Array(new Float32Array(values).buffer) });

describe('masksearch ingest', () => {
  let fresh: FreshStore;
  let dir: string;

  beforeAll(async () => {
    [fresh, dir] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-cli-ingest-'))]);
    await mkdir(join(dir, 'cams', 'nested'), { recursive: true });
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'cams', 'cam_a_l4.npy'), npy([0, 0.5, 1, 0.25]));
    await writeFile(join(dir, 'cams', 'nested', 'cam_b_l4.npy'), npy([1, 1, 0, 0]));
    await writeFile(join(dir, 'cams', 'cam_c_l4.npy'), npy([0, 3, 1, 0.25]));
    await writeFile(join(dir, 'cams', 'notes.txt'), 'not a mask');
  });

  afterAll(async () => {
    await fresh?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function masksOf(key: string) {
    const handle = await fresh.open();
    try {
      const [image] = await getImagesByKeys(handle.db, [key]);
      return image ? await getMasksByImageIds(handle.db, [image.id]) : [];
    } finally {
      await handle.close();
    }
  }

  it('ingests a folder, keeps the good files, names the bad one, and exits 1', async () => {
    const result = await runOnStore(fresh, ['ingest', '--source', 'gradcam', '--model', 'resnet50', '--key-regex', '^cam_(.+)_l4', join(dir, 'cams')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ingested 2 of 3 files in [\d.]+ s: 2 masks stored \(2 new, 0 replaced\), 0 skipped as duplicates, 2 images created; [\d,]+ masks\/s/);
    expect(result.stderr.trim().split('\n')).toEqual([
      '1 file failed:',
      `  ${join(dir, 'cams', 'cam_c_l4.npy')}: value 3 at row 0, column 1 is outside [0, 1]; pass normalize: true to min-max normalise`,
    ]);
    expect((await masksOf('a')).map((m) => [m.maskType, m.source, m.width, m.height])).toEqual([['saliency', 'gradcam', 2, 2]]);
    expect(await masksOf('c')).toEqual([]);
  });

  it('takes source options, and skips duplicates when told to', async () => {
    const result = await runOnStore(fresh, ['ingest', '-s', 'gradcam', '-m', 'resnet50', '--key-regex', '^cam_(.+)_l4', '-o', 'normalize=true', '--on-duplicate', 'skip', join(dir, 'cams')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ingested 3 of 3 files .*: 1 mask stored \(1 new, 0 replaced\), 2 skipped as duplicates/);
    expect(await masksOf('c')).toHaveLength(1);
  });

  it('refuses bad arguments with one line naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['--source', 'nope', dir], /--source: no source named 'nope'; installed: gradcam, eyetracking, segmentation/],
      [['--source', 'gradcam', '-o', 'normalise=true', dir], /source 'gradcam': options: Unrecognized key: "normalise"/],
      [['--source', 'gradcam', '-o', 'normalize', dir], /option '-o, --option <name=value>' argument 'normalize' is invalid. expected NAME=VALUE/],
      [['--source', 'gradcam', '--key-regex', 'cam_.+', dir], /--key-regex <regex>' argument 'cam_.\+' is invalid. needs a capture group/],
      [['--source', 'gradcam', '--on-duplicate', 'merge', dir], /Allowed choices are error, skip, replace/],
      [['--source', 'gradcam', join(dir, 'cams', 'notes.txt')], /^masksearch: nothing to ingest: .*notes\.txt: the source reads \.npy, \.png files, not \.txt$/],
      [['--source', 'gradcam', join(dir, 'missing')], /^masksearch: nothing to ingest: .*missing: no such file or folder$/],
      [['--source', 'gradcam', join(dir, 'empty')], /^masksearch: no \.npy, \.png files in .*empty \(0 other files passed over\)$/],
    ];
    for (const [args, message] of cases) {
      const result = await runOnStore(fresh, ['ingest', ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
  });

  it('lists the sources with their options', async () => {
    const result = await runCli(['sources'], process.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^gradcam: /m);
    expect(result.stdout).toMatch(/^ {2}-o normalize=<boolean> \(default false\)/m);
    expect(result.stdout).toMatch(/^eyetracking: /m);
    expect(result.stdout).toMatch(/^segmentation: /m);
  });

  it('loads a third-party source from masksearch.config.json and ingests with it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'masksearch-plugin-project-'));
    try {
      const plugin = new URL('../ingest/fixtures/text-masks-plugin.ts', import.meta.url).pathname;
      await writeFile(join(project, 'masksearch.config.json'), JSON.stringify({ plugins: [plugin] }));
      await writeFile(join(project, 'plugin-mask.txt'), '0 1\n1 0\n');
      const store = storeArgs(fresh);
      const listed = await runCli(['sources'], store.env, project);
      expect(listed.stdout).toMatch(new RegExp(`^text-masks \\(plugin ${plugin}\\): masks written as rows of numbers`, 'm'));
      const result = await runCli(['ingest', '--source', 'text-masks', '-o', 'scale=2', 'plugin-mask.txt', ...store.args], store.env, project);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/ingested 1 of 1 file/);
      expect(await masksOf('plugin-mask')).toMatchObject([{ source: 'text-masks', maskType: 'text' }]);

      await writeFile(join(project, 'masksearch.config.json'), JSON.stringify({ plugins: ['./missing-plugin.js'] }));
      const broken = await runCli(['sources'], store.env, project);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toMatch(/^masksearch: cannot load plugin module \.\/missing-plugin\.js: /);
      await writeFile(join(project, 'masksearch.config.json'), JSON.stringify({ plugin: [] }));
      const misspelt = await runCli(['sources'], store.env, project);
      expect(misspelt.stderr).toMatch(/masksearch\.config\.json: the top level: Unrecognized key: "plugin"/);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe.runIf(testDriver === 'pglite')('masksearch ingest while a server holds the embedded store', () => {
  let fresh: FreshStore;
  let dir: string;

  beforeAll(async () => {
    [fresh, dir] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-cli-handoff-'))]);
  });
  afterAll(async () => {
    await fresh?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands the files, with their key lists, to the server, which answers queries on them at once', async () => {
    // Two folders with a batch.npy each: the server sees upload names without folders, so each
    // batch must travel with its own key list.
    for (const [run, keys, values] of [['run1', 'first\nsecond\n', [0, 1, 1, 1, 0.5, 0.5, 0, 0]], ['run2', 'third\nfourth\n', [1, 1, 1, 1, 0, 0, 0, 1]]] as const) {
      await mkdir(join(dir, run));
      await writeFile(join(dir, run, 'batch.npy'), npy([...values], [2, 2, 2]));
      await writeFile(join(dir, run, 'batch.keys.txt'), keys);
    }
    await writeFile(join(dir, 'bad.npy'), new Uint8Array([1, 2, 3]));
    const server = await startServer(fresh);
    try {
      const store = storeArgs(fresh);
      // A path as typed, with ./, must not send the file twice.
      const result = await runCli(['ingest', '--source', 'gradcam', './run1/batch.npy', 'run2', 'bad.npy', ...store.args], store.env, dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^ingested 2 of 3 files .*: 4 masks stored \(4 new, 0 replaced\)/);
      expect(result.stderr.trim().split('\n')).toEqual(['1 file failed:', expect.stringMatching(/^ {2}bad\.npy: /)]);
      const top = await server.gql<{ topKByCP: { items: { nodes: { value: number; mask: { image: { key: string } } }[] } } }>(
        '{ topKByCP(roi: { full: true }, range: { gte: 1 }, k: 4, order: DESC) { items { nodes { value mask { image { key } } } } } }',
      );
      expect(top.data!.topKByCP.items.nodes.map((i) => [i.mask.image.key, i.value])).toEqual([['third', 4], ['first', 3], ['fourth', 1], ['second', 0]]);

      // More than the server's 25 MB request limit in all (30 files of 1 MB): sent in batches, every file stored.
      await mkdir(join(dir, 'large'));
      for (let i = 0; i < 30; i++) {
        const values = Float32Array.from({ length: 512 * 512 }, (_, p) => ((p + i) % 100) / 100);
        await writeFile(join(dir, 'large', `big-${i}.npy`), encodeNpy({ descr: '<f4', shape: [512, 512], data: new Uint8Array(values.buffer) }));
      }
      const large = await runCli(['ingest', '--source', 'gradcam', 'large', ...store.args], store.env, dir);
      expect(large.stderr).toBe('');
      expect(large.stdout).toMatch(/^ingested 30 of 30 files .*: 30 masks stored \(30 new, 0 replaced\)/);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
