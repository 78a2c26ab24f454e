import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CACHE_MB, DEFAULT_RESULT_CACHE_MB, DEFAULT_PIXEL_WORKERS, MaskSearch } from '../../search/mask-search.js';
import { SeedingStatus } from '../../search/seeding-status.js';
import { DEFAULT_SNAPSHOT_AFTER } from '../../search/snapshot-schedule.js';
import { DEFAULT_MAX_PIXELS } from '../../plugins/kit/index.js';
import type { AccessPolicy } from '../../service/access.js';
import { ImageRoots } from '../../ingest/image-roots.js';
import { isPostgresDriverCrash } from '../../db/client.js';
import { errorFields, jsonLineLogger } from '../../service/log.js';
import { CliError } from '../errors.js';
import { startProgressReport } from '../start-report.js';
import { plural, seconds } from '../../text/format.js';
import { loadSources, withSourceOptions, type SourceOptionValues } from '../sources.js';
import { openStore, storeLocation, withStoreOptions, type StoreOptionValues } from '../store.js';
import { MAX_IMAGES } from '../../demo/dataset.js';
import { DEFAULT_DEMO_IMAGES, DEFAULT_SEED, defaultDemoDir, seedDemoIntoEmptyStore, startDemoFiles, type DemoFiles } from './demo.js';

const DEFAULT_PORT = 4000;
const DEFAULT_HOST = '127.0.0.1';

interface ServeOptions extends StoreOptionValues, SourceOptionValues {
  port: number;
  host: string;
  cacheMb: number;
  resultCacheMb: number;
  pixelWorkers: number;
  snapshotAfter: number;
  demo: boolean;
  demoImages: number;
  corsOrigin: string[];
  imageRoot: string[];
  requireTokenForReads: boolean;
  allowAnonymousWrites: boolean;
  maxMaskPixels: number;
}

const collect = (parse: (text: string) => string) => (text: string, previous: string[]) => [...previous, parse(text)];

/** An origin as browsers send it: scheme://host[:port], nothing after. */
function origin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('expected an origin such as https://tools.example.org');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== text.replace(/\/$/, '')) {
    throw new InvalidArgumentError(`expected an origin (scheme://host[:port], no path), e.g. ${url.origin}`);
  }
  return url.origin;
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
    .option('--host <address>', 'address to listen on; 0.0.0.0 (or ::) exposes the server to the network', DEFAULT_HOST)
    .option('--require-token-for-reads', 'refuse queries and PNGs to requests without a token (by default anyone who reaches the port may read)', false)
    .option('--allow-anonymous-writes', 'let requests without a token upsert and ingest (deleting and tokens still need an admin token)', false)
    .option('--cors-origin <origin>', 'let web pages of this origin call the API from a browser (repeatable; CORS is off by default)', collect(origin), [])
    .option('--image-root <dir>', 'serve image files (uri) only from under this folder (repeatable; the demo folder is always one)', collect((t) => t), [])
    .option('--max-mask-pixels <n>', 'the most pixels (width × height) a mask or image may have', integer(1, 2 ** 31), DEFAULT_MAX_PIXELS)
    .option('--cache-mb <mb>', 'memory for decoded masks, in MB', integer(0, 1 << 20), DEFAULT_CACHE_MB)
    .option('--result-cache-mb <mb>', "memory for recent filter results, whose later pages reuse the first page's work, in MB (0: none)", integer(0, 1 << 20), DEFAULT_RESULT_CACHE_MB)
    .option('--pixel-workers <n>', 'worker threads that count full scans (useIndex: false) and decode large loads of masks, so that neither holds up other requests; 0 does both on the main thread', integer(0, 64), DEFAULT_PIXEL_WORKERS)
    .option('--snapshot-after <changes>', 'store the index as a snapshot once this many changes since the last one (or, without one, this many masks) would have to be read at the next start; 0: never (docs/snapshots.md)', integer(0, 2 ** 31), DEFAULT_SNAPSHOT_AFTER)
    .option('--no-demo', 'leave an empty store empty (by default it is seeded with the real-data demo and the synthetic demo dataset, as `masksearch demo --real` and `masksearch demo` do)')
    .option('--demo-images <n>', 'images of the synthetic demo dataset an empty store is seeded with', integer(1, MAX_IMAGES), DEFAULT_DEMO_IMAGES)
    .action((options: ServeOptions) => serve(options));
}

function accessPolicy(options: ServeOptions, operatorToken: string): AccessPolicy {
  if (options.requireTokenForReads && options.allowAnonymousWrites) {
    throw new CliError('--require-token-for-reads and --allow-anonymous-writes contradict each other; choose one');
  }
  return { anonymous: options.requireTokenForReads ? 'none' : options.allowAnonymousWrites ? 'write' : 'read', operatorToken };
}

async function serve(options: ServeOptions): Promise<void> {
  const location = storeLocation(options);
  // Valid while this server runs, never stored in the database: the CLI on the same embedded store reads it from the lock file.
  const operatorToken = `mso_${randomBytes(32).toString('base64url')}`;
  const access = accessPolicy(options, operatorToken);
  const imageRoots = new ImageRoots([defaultDemoDir(location), ...options.imageRoot]);
  const stopHandlers = installProcessHandlers();
  const sources = await loadSources(options);
  // Installed before the slow start, so that Ctrl-C during it still closes the store properly.
  const stop = stopSignals();
  try {
    const started = performance.now();
    console.log(`opening ${location.label}`);
    const store = await openStore(location, 'serve');
    let demoFiles: DemoFiles | null = null;
    try {
      // Made while the service starts; closed below if it never gets to seeding them.
      if (options.demo) demoFiles = await startDemoFiles(store.handle.db, defaultDemoDir(location), { images: options.demoImages, seed: DEFAULT_SEED });
      const report = startProgressReport();
      const service = await MaskSearch.start(store.handle, {
        cacheMb: options.cacheMb,
        resultCacheMb: options.resultCacheMb,
        pixelWorkers: options.pixelWorkers,
        snapshotAfter: options.snapshotAfter,
        sources,
        onBackgroundError: (message, error) => jsonLineLogger('warn', 'background_error', { message, ...errorFields(error) }),
        onStartProgress: (progress) => report.update(progress),
      }).finally(() => report.stop());
      try {
        // Loaded here, not at the top: yoga and the schema take seconds to load, which --help and
        // the other commands should not wait for.
        const { createHttpServer } = await import('../../service/http.js');
        const seeding = new SeedingStatus();
        const server = createHttpServer(service, { access, imageRoots, corsOrigins: options.corsOrigin, maxPixels: options.maxMaskPixels, log: jsonLineLogger, seeding });
        const port = await listen(server, options.port, options.host);
        try {
          const url = `http://${urlHost(options.host)}:${port}/graphql`;
          await store.announce(url, operatorToken);
          console.log(describeAccess(options, imageRoots));
          console.log(`MaskSearch ready: ${url} (${plural(service.table.size, 'mask')} indexed in ${seconds(performance.now() - started)})`);
          await seedDemoIntoEmptyStore(service, demoFiles, stop.requested, seeding);
          await stop.requested;
          console.log('stopping');
        } finally {
          await closeServer(server);
        }
      } finally {
        await service.close();
      }
    } finally {
      await demoFiles?.generation.close();
      await store.close();
    }
  } finally {
    stop.dispose();
    stopHandlers();
  }
}

/** Where a client on this machine reaches the server: a wildcard address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function describeAccess(options: ServeOptions, roots: ImageRoots): string {
  const reads = options.requireTokenForReads ? 'reads need a token' : 'anyone who reaches the port may read';
  const writes = options.allowAnonymousWrites ? 'anyone may upsert and ingest' : 'writes need a token';
  const cors = options.corsOrigin.length ? `browser pages of ${options.corsOrigin.join(', ')} may call the API` : 'no other web origin may call the API';
  return `access: listening on ${options.host}; ${reads}; ${writes}; ${cors}; image files from ${roots.roots.join(', ')}`;
}

/**
 * Errors nobody awaited (a dropped database connection rejects promises deep inside the driver)
 * are logged, and the server goes on: each request already answers its own failures. An uncaught
 * exception leaves the process in an unknown state, so it is logged and the server exits with
 * status 1, for a supervisor to restart it, rather than serve on half-dead.
 */
function installProcessHandlers(): () => void {
  const onRejection = (reason: unknown) => jsonLineLogger('error', 'unhandled_rejection', errorFields(reason));
  const onException = (error: unknown) => {
    if (isPostgresDriverCrash(error)) {
      jsonLineLogger('error', 'postgres_driver_crash_survived', errorFields(error));
      return;
    }
    jsonLineLogger('error', 'uncaught_exception', errorFields(error));
    process.exit(1);
  };
  process.on('unhandledRejection', onRejection).on('uncaughtException', onException);
  return () => void process.off('unhandledRejection', onRejection).off('uncaughtException', onException);
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

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port (0 picks a free one)`);
    if (code === 'EACCES') throw new CliError(`no permission to listen on port ${port}; choose another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot listen on ${host}: not an address of this machine`);
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
