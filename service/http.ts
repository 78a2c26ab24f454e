import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as yogaMaskError } from 'graphql-yoga';
import type { CORSOptions, Plugin, YogaServerInstance } from 'graphql-yoga';
import { DEFAULT_MAX_PIXELS } from '../plugins/kit/index.js';
import type { GraphQLContext } from '../resolvers/context.js';
import type { Access } from '../resolvers/access.js';
import { isConnectionLoss } from '../db/errors.js';
import { schema } from '../schema/index.js';
import { authenticate, DEFAULT_ACCESS, InvalidCredentials, type AccessPolicy } from './access.js';
import { ImageRoots } from '../ingest/image-roots.js';
import { boundedParsing } from './document-limits.js';
import { MAX_REQUEST_BODY_BYTES, requestBodyLimit } from './request-body-limit.js';
import { errorShape } from './error-shape.js';
import { currentRequestId, errorFields, jsonLineLogger, newRequestId, runWithRequestId, type Logger } from './log.js';
import type { MaskSearch } from '../search/mask-search.js';
import type { SeedingStatus } from '../search/seeding-status.js';
import { publicOrigin } from './public-origin.js';
import { createPngRenderer, type PngRenderer } from './png-renderer.js';
import { HttpError, maskIdOf, serveImagePng, serveMaskPng, serveOverlayPng } from './png-routes.js';
import { StaticFiles } from './static-files.js';

export type MaskSearchYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

/**
 * The header a browser cannot add to a cross-site "simple" request (multipart, form-encoded or
 * text/plain POSTs, which need no CORS preflight): such a request without it is refused, so a
 * foreign web page cannot post a mutation. JSON requests are preflighted and need no header.
 */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** What the operator decided about access, browsers and files (`masksearch serve` options). */
export interface ServiceOptions {
  /** Who may read and write; default DEFAULT_ACCESS (anonymous reads, tokens write). */
  access?: AccessPolicy;
  /** Origins (scheme://host:port) whose pages may call the API from a browser; none by default (CORS off). */
  corsOrigins?: readonly string[];
  /** Folders image files are read from; none by default. */
  imageRoots?: ImageRoots;
  /** Structured logs; default one JSON line per event on stderr. */
  log?: Logger;
  /** The most pixels a mask or image may have; default DEFAULT_MAX_PIXELS (4096²). */
  maxPixels?: number;
  /** What the server's demo seeding reports (Query.seeding). */
  seeding?: SeedingStatus;
  /** The largest request body in bytes, multipart uploads included; default MAX_REQUEST_BODY_BYTES (25 MB). */
  maxRequestBodyBytes?: number;
  /** More yoga plugins, after the server's own (bench/http-phases.ts times a request's phases with one). */
  plugins?: readonly Plugin[];
}

/**
 * Yoga's multipart parser trusts the shape of `map` (an object of arrays of paths into
 * `operations`): `{"0": 1}` or operations that are not an object make it throw a TypeError,
 * which would be a 500. Any such failure of a request parser is the client's: 400.
 */
const requestParsingIsTheClients: Plugin = {
  onRequestParse({ requestParser, setRequestParser }) {
    if (!requestParser) return;
    setRequestParser(async (request) => {
      try {
        return await requestParser(request);
      } catch (error) {
        if (error instanceof GraphQLError || (error instanceof Error && error.name === 'AbortError')) throw error;
        throw new GraphQLError('the request body is malformed: a multipart request needs "operations" (a JSON object) and "map" (an object of arrays of paths into it)', {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
    });
  },
};

/** CORS for the allow-listed origins only, and never with credentials: tokens go in a header, not cookies. */
function corsFor(origins: readonly string[]) {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false;
    return { origin: [origin], credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', CSRF_HEADER], maxAge: 600 };
  };
}

/** A request that failed because the database connection dropped: worth a retry, not the client's fault. */
const unavailable = (requestId: string, extra: { nodes?: GraphQLError['nodes']; path?: GraphQLError['path'] } = {}) =>
  new GraphQLError(`the database connection was lost; try again (request id ${requestId})`, {
    ...extra,
    extensions: { code: 'SERVICE_UNAVAILABLE', requestId, http: { status: 503, headers: { 'retry-after': '1' } } },
  });

const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } } });

/** The GraphQL endpoint at /graphql, with GraphiQL (bundled assets, no CDN) for browsers. */
export function createGraphQLHandler(service: MaskSearch, options: ServiceOptions = {}): MaskSearchYoga {
  const policy = options.access ?? DEFAULT_ACCESS;
  const imageRoots = options.imageRoots ?? new ImageRoots([]);
  const log = options.log ?? jsonLineLogger;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  return createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    renderGraphiQL,
    graphiql: { title: 'MaskSearch' },
    landingPage: false,
    cors: corsFor(options.corsOrigins ?? []),
    plugins: [useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }), requestParsingIsTheClients, boundedParsing, errorShape, ...(options.plugins ?? []), requestBodyLimit(options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES)],
    maxRequestBodySize: false,
    // Masked in every NODE_ENV (yoga would attach the original error and its stack in development);
    // the log gets the whole error, the client the request id to quote.
    maskedErrors: {
      maskError(error, message) {
        const masked = yogaMaskError(error, message, false);
        if (masked === error) return masked;
        const requestId = currentRequestId() ?? newRequestId();
        const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
        const lost = isConnectionLoss(original);
        log(lost ? 'warn' : 'error', lost ? 'database_connection_lost' : 'internal_error', { requestId, ...(error instanceof GraphQLError && error.path ? { path: error.path.join('.') } : {}), ...errorFields(original) });
        const { extensions, ...rest } = masked instanceof GraphQLError ? { extensions: masked.extensions, nodes: masked.nodes, path: masked.path } : { extensions: {} };
        if (lost) return unavailable(requestId, rest);
        return new GraphQLError(`internal error; the server's log has it under request id ${requestId}`, { ...rest, extensions: { ...extensions, requestId } });
      },
    },
    async context({ request }) {
      const requestId = currentRequestId() ?? newRequestId();
      let access: Access;
      try {
        access = await authenticate(service.db, policy, request.headers.get('authorization'));
      } catch (error) {
        if (error instanceof InvalidCredentials) throw unauthenticated(error.message);
        if (isConnectionLoss(error)) {
          log('warn', 'database_connection_lost', { requestId, ...errorFields(error) });
          throw unavailable(requestId);
        }
        throw error;
      }
      return { service, origin: publicOrigin(request), access, imageRoots, maxPixels, requestId, signal: request.signal, seeding: options.seeding };
    },
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log('warn', 'yoga', { message: args.map(String).join(' ') }),
      error: (...args: unknown[]) => log('error', 'yoga', { message: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') }),
    },
  });
}

/** Where `npm run build:web` puts the explorer. */
export const EXPLORER_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

export interface HttpServerOptions extends ServiceOptions {
  /** The built explorer to serve at /; default EXPLORER_DIR. */
  explorerDir?: string;
}

// A mask's global id (as GraphQL gives it), or its database id.
const MASK_PNG = /^\/masks\/([^/]+)\.png$/;
// Keys are the user's own strings: a client escapes them (encodeURIComponent), so a key holds no raw "/".
const IMAGE_PNG = /^\/images\/([^/]+)\.png$/;
const OVERLAY_PNG = /^\/images\/([^/]+)\/overlay\.png$/;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>MaskSearch</title>
<h1>MaskSearch</h1><p>The explorer is not built: run <code>npm run build:web</code> (<code>npm start</code> does).
The GraphQL API and GraphiQL are at <a href="/graphql">/graphql</a>.</p>`;

/** The PNG route a path names, as a handler to call; undefined for any other path. */
function pngRoute(service: MaskSearch, renderer: PngRenderer, roots: ImageRoots, pathname: string, url: URL, req: IncomingMessage, res: ServerResponse) {
  let match = MASK_PNG.exec(pathname);
  if (match) return () => serveMaskPng(service, renderer, maskIdOf(decodeURIComponent(match![1]), 'the mask id'), url, res);
  match = OVERLAY_PNG.exec(pathname);
  if (match) return () => serveOverlayPng(service, renderer, roots, decodeURIComponent(match![1]), url, req, res);
  match = IMAGE_PNG.exec(pathname);
  if (match) return () => serveImagePng(service, roots, decodeURIComponent(match![1]), req, res);
  if (pathname.startsWith('/masks/') || pathname.startsWith('/images/')) return () => Promise.reject(new HttpError(404, 'no such PNG route: /masks/ID.png, /images/KEY.png, /images/KEY/overlay.png'));
  return undefined;
}

/** The PNG routes are reads: a request without read scope is told so, with 401. */
async function checkRead(service: MaskSearch, policy: AccessPolicy, req: IncomingMessage): Promise<void> {
  let access: Access;
  try {
    access = await authenticate(service.db, policy, req.headers.authorization);
  } catch (error) {
    if (error instanceof InvalidCredentials) throw new HttpError(401, error.message);
    throw error;
  }
  if (!access.scopes.has('read')) throw new HttpError(401, 'this server needs a token with scope read: send "Authorization: Bearer TOKEN"');
}

function answerError(error: unknown, res: ServerResponse, log: Logger, requestId: string): void {
  const lost = isConnectionLoss(error);
  const status = error instanceof HttpError ? error.status : error instanceof URIError ? 400 : lost ? 503 : 500;
  const message =
    error instanceof HttpError ? error.message
    : status === 400 ? 'malformed URL'
    : lost ? `the database connection was lost; try again (request id ${requestId})`
    : `internal error; the server's log has it under request id ${requestId}`;
  if (status >= 500) log(lost ? 'warn' : 'error', lost ? 'database_connection_lost' : 'internal_error', { requestId, ...errorFields(error) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
  res.end(message);
}

/** The HTTP server: GraphQL at /graphql, masks and images as PNG, and the explorer at /. */
export function createHttpServer(service: MaskSearch, options: HttpServerOptions = {}): Server {
  const yoga = createGraphQLHandler(service, options);
  const policy = options.access ?? DEFAULT_ACCESS;
  const roots = options.imageRoots ?? new ImageRoots([]);
  const log = options.log ?? jsonLineLogger;
  const explorer = new StaticFiles(options.explorerDir ?? EXPLORER_DIR);
  const renderer = createPngRenderer();
  const graphql = (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    Promise.resolve(yoga(req, res)).catch((error: unknown) => answerError(error, res, log, requestId));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = newRequestId();
    res.setHeader('x-request-id', requestId);
    runWithRequestId(requestId, () => {
      // The path only: the Host header is the client's to garble, and nothing here depends on it.
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
        // Yoga builds the request's URL from the Host header (Mask.pngUrl's origin comes from it).
        new URL(`http://${req.headers.host ?? 'localhost'}/`);
      } catch {
        answerError(new HttpError(400, 'malformed request target or Host header'), res, log, requestId);
        return;
      }
      if (url.pathname.startsWith('/graphql') || (req.method !== 'GET' && req.method !== 'HEAD')) {
        void graphql(req, res, requestId);
        return;
      }
      const handle = async () => {
        const png = pngRoute(service, renderer, roots, url.pathname, url, req, res);
        if (png) {
          await checkRead(service, policy, req);
          return png();
        }
        if (await explorer.serve(url.pathname, req, res)) return;
        if (url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(NOT_BUILT);
          return;
        }
        return graphql(req, res, requestId);
      };
      handle().catch((error: unknown) => answerError(error, res, log, requestId));
    });
  });
  server.on('close', () => void renderer.close());
  return server;
}
