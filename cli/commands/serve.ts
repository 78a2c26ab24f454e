import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CACHE_MB, DEFAULT_RESULT_CACHE_MB, MaskSearch } from '../../search/mask-search.js';
import { SeedingStatus } from '../../search/seeding-status.js';
import { CliError } from '../errors.js';
import { rootMessage } from '../../text/errors.js';
import { plural, seconds } from '../../text/format.js';
import { loadSources, withSourceOptions, type SourceOptionValues } from '../sources.js';
import { openStore, storeLocation, withStoreOptions, type StoreOptionValues } from '../store.js';
import { MAX_IMAGES } from '../../demo/dataset.js';
import { DEFAULT_DEMO_IMAGES, DEFAULT_SEED, defaultDemoDir, seedDemoIntoEmptyStore } from './demo.js';

const DEFAULT_PORT = 4000;

interface ServeOptions extends StoreOptionValues, SourceOptionValues {
  port: number;
  cacheMb: number;
  resultCacheMb: number;
  demo: boolean;
  demoImages: number;
}

const integer = (min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

export function serveCommand(): Command {
  return withSourceOptions(withStoreOptions(new Command('serve')))
    .description('serve the web explorer at /, the GraphQL API at /graphql (GraphiQL in a browser), and masks and overlays as PNG')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one', integer(0, 65535), DEFAULT_PORT)
    .option('--cache-mb <mb>', 'memory for decoded masks, in MB', integer(0, 1 << 20), DEFAULT_CACHE_MB)
    .option('--result-cache-mb <mb>', "memory for recent filter results, whose later pages reuse the first page's work, in MB (0: none)", integer(0, 1 << 20), DEFAULT_RESULT_CACHE_MB)
    .option('--no-demo', 'leave an empty store empty (by default it is seeded with the real-data demo and the synthetic demo dataset, as `masksearch demo --real` and `masksearch demo` do)')
    .option('--demo-images <n>', 'images of the synthetic demo dataset an empty store is seeded with', integer(1, MAX_IMAGES), DEFAULT_DEMO_IMAGES)
    .action((options: ServeOptions) => serve(options));
}

async function serve(options: ServeOptions): Promise<void> {
  const location = storeLocation(options);
  const sources = await loadSources(options);
  // Installed before the slow start, so that Ctrl-C during it still closes the store properly.
  const stop = stopSignals();
  try {
    const started = performance.now();
    console.log(`opening ${location.label}`);
    const store = await openStore(location, 'serve');
    try {
      const service = await MaskSearch.start(store.handle, {
        cacheMb: options.cacheMb,
        resultCacheMb: options.resultCacheMb,
        sources,
        onBackgroundError: (message, error) => console.error(`masksearch: ${message}: ${rootMessage(error)}`),
      });
      try {
        // Loaded here, not at the top: yoga and the schema take seconds to load, which --help and
        // the other commands should not wait for.
        const { createHttpServer } = await import('../../service/http.js');
        const seeding = new SeedingStatus();
        const server = createHttpServer(service, { seeding });
        const port = await listen(server, options.port);
        try {
          const url = `http://localhost:${port}/graphql`;
          await store.announce(url);
          console.log(`MaskSearch ready: ${url} (${plural(service.table.size, 'mask')} indexed in ${seconds(performance.now() - started)})`);
          if (options.demo) await seedDemoIntoEmptyStore(service, defaultDemoDir(location), stop.requested, { images: options.demoImages, seed: DEFAULT_SEED }, seeding);
          await stop.requested;
          console.log('stopping');
        } finally {
          await closeServer(server);
        }
      } finally {
        await service.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    stop.dispose();
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once, for a shutdown that hangs. */
function stopSignals(): { requested: Promise<void>; dispose(): void } {
  let stopping = false;
  let resolve!: () => void;
  const requested = new Promise<void>((r) => (resolve = r));
  const onSignal = () => {
    if (stopping) process.exit(1);
    stopping = true;
    resolve();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  return { requested, dispose: () => void process.off('SIGINT', onSignal).off('SIGTERM', onSignal) };
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port (0 picks a free one)`);
    if (code === 'EACCES') throw new CliError(`no permission to listen on port ${port}; choose another with --port`);
    throw error;
  });
  return (server.address() as AddressInfo).port;
}

/** Lets requests in flight finish; idle keep-alive connections would otherwise hold the close open. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}
