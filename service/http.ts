import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import type { MaskSearch } from '../search/mask-search.js';
import type { SeedingStatus } from '../search/seeding-status.js';
import { HttpError, maskIdOf, serveImagePng, serveMaskPng, serveOverlayPng } from './png-routes.js';
import { publicOrigin } from './public-origin.js';
import { StaticFiles } from './static-files.js';

export type MaskSearchYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

/** The GraphQL endpoint at /graphql, with GraphiQL (bundled assets, no CDN) for browsers. */
export function createGraphQLHandler(service: MaskSearch, seeding?: SeedingStatus): MaskSearchYoga {
  return createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    renderGraphiQL,
    graphiql: { title: 'MaskSearch' },
    landingPage: false,
    context: ({ request }) => ({ service, origin: publicOrigin(request), signal: request.signal, seeding }),
    logging: false,
  });
}

/** Where `npm run build:web` puts the explorer. */
export const EXPLORER_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

export interface HttpServerOptions {
  /** The built explorer to serve at /; default EXPLORER_DIR. */
  explorerDir?: string;
  /** What the server's demo seeding reports (Query.seeding). */
  seeding?: SeedingStatus;
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
function pngRoute(service: MaskSearch, pathname: string, url: URL, req: IncomingMessage, res: ServerResponse) {
  let match = MASK_PNG.exec(pathname);
  if (match) return () => serveMaskPng(service, maskIdOf(decodeURIComponent(match![1]), 'the mask id'), url, res);
  match = OVERLAY_PNG.exec(pathname);
  if (match) return () => serveOverlayPng(service, decodeURIComponent(match![1]), url, req, res);
  match = IMAGE_PNG.exec(pathname);
  if (match) return () => serveImagePng(service, decodeURIComponent(match![1]), req, res);
  return undefined;
}

function answerError(error: unknown, res: ServerResponse): void {
  const status = error instanceof HttpError ? error.status : error instanceof URIError ? 400 : 500;
  const message = error instanceof HttpError ? error.message : status === 400 ? 'malformed URL' : 'internal error';
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

/** The HTTP server: GraphQL at /graphql, masks and images as PNG, and the explorer at /. */
export function createHttpServer(service: MaskSearch, options: HttpServerOptions = {}): Server {
  const yoga = createGraphQLHandler(service, options.seeding);
  const explorer = new StaticFiles(options.explorerDir ?? EXPLORER_DIR);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname.startsWith('/graphql') || (req.method !== 'GET' && req.method !== 'HEAD')) {
      void yoga(req, res);
      return;
    }
    const handle = async () => {
      const png = pngRoute(service, url.pathname, url, req, res);
      if (png) return png();
      if (await explorer.serve(url.pathname, req, res)) return;
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(NOT_BUILT);
        return;
      }
      void yoga(req, res);
    };
    handle().catch((error: unknown) => answerError(error, res));
  });
}
