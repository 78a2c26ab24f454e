import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';
import type { MaskSearch } from './mask-search.js';
import { renderMaskPng } from './render-png.js';

export type MaskSearchYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

/** The GraphQL endpoint at /graphql, with GraphiQL (bundled assets, no CDN) for browsers. */
export function createGraphQLHandler(service: MaskSearch): MaskSearchYoga {
  return createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    renderGraphiQL,
    graphiql: { title: 'MaskSearch' },
    landingPage: false,
    context: ({ request }) => ({ service, origin: new URL(request.url).origin }),
    logging: false,
  });
}

const MASK_PNG = /^\/masks\/(\d+)\.png$/;

async function serveMaskPng(service: MaskSearch, id: number, url: URL, res: ServerResponse): Promise<void> {
  const colormap = (url.searchParams.get('colormap') ?? 'gray').toLowerCase();
  if (!(colormap in COLORMAPS)) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`colormap must be one of ${Object.keys(COLORMAPS).join(', ')}`);
    return;
  }
  const mask = service.index.hasMask(id) ? await service.loadMask(id) : undefined;
  if (!mask) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`mask ${id} does not exist`);
    return;
  }
  const png = renderMaskPng(mask, colormap as Colormap);
  // A mask id is never reused for other pixels: a replaced mask gets a new id.
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.byteLength, 'cache-control': 'public, max-age=31536000, immutable' });
  res.end(png);
}

const LANDING = `<!doctype html><meta charset="utf-8"><title>MaskSearch</title>
<h1>MaskSearch</h1><p>The GraphQL API and GraphiQL are at <a href="/graphql">/graphql</a>.</p>`;

/** The HTTP server: GraphQL, rendered masks, and a landing page. */
export function createHttpServer(service: MaskSearch): Server {
  const yoga = createGraphQLHandler(service);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const png = MASK_PNG.exec(url.pathname);
    if (png && (req.method === 'GET' || req.method === 'HEAD')) {
      serveMaskPng(service, Number(png[1]), url, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      });
      return;
    }
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LANDING);
      return;
    }
    void yoga(req, res);
  });
}
