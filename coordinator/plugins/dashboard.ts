// The web dashboard: static ES modules, CSS and the chart library (uPlot) from this package's own
// files, under /ui/. No build step and no CDN; the pages call the same API with the user's key.
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routePlugin } from './routePlugin.ts';

const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));
const UPLOT_DIR = `${dirname(createRequire(import.meta.url).resolve('uplot/package.json'))}/dist/`;

export const dashboardRoutes = routePlugin('dashboard', async (ui) => {
  const headers = (reply: FastifyReply) => {
    // The pages load nothing from elsewhere; the key lives in sessionStorage, so no framing either.
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
  };
  await ui.register(fastifyStatic, { root: UI_DIR, prefix: '/ui/', decorateReply: false, schemaHide: true, setHeaders: headers });
  await ui.register(fastifyStatic, { root: UPLOT_DIR, prefix: '/ui/vendor/uplot/', decorateReply: false, schemaHide: true, allowedPath: (path) => /^\/uPlot\.(esm\.js|min\.css)$/.test(path), setHeaders: headers });
  ui.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/'));
  ui.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/'));
});
