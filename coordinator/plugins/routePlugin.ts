// Each feature's routes are one encapsulated fastify plugin, typed by the TypeBox provider (so
// request params, query and body have their schema's static type, with no casts) and registered
// after the error handler, whose ApiError schema their error replies reference.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyPluginOptions } from 'fastify';
import fp from 'fastify-plugin';

export function routePlugin<Options extends FastifyPluginOptions>(feature: string, routes: FastifyPluginAsyncTypebox<Options>): FastifyPluginAsyncTypebox<Options> {
  return fp(routes, { name: `fedmark-${feature}`, fastify: '5.x', dependencies: ['fedmark-errors'], encapsulate: true });
}
