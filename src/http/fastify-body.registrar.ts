import { Injectable, SetMetadata, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { OFFSET_CONTENT_TYPE } from '../protocol/tus-headers.js';

interface FastifyLike {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(type: string, parser: (req: unknown, payload: unknown, done: (err: null) => void) => void): void;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void): void;
}

interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { config?: Record<string, unknown> };
}

// Nest's Fastify adapter passes this metadata on as the route's `config` (@RouteConfig does the same).
const FASTIFY_ROUTE_CONFIG = '__fastify_route_config__';
const TUS_ROUTE = 'nestjsTusRoute';
const ORIGINAL_CONTENT_TYPE = Symbol('nestjs-tus:original-content-type');
const INSTALLED = Symbol('nestjs-tus:fastify-installed');

/** Marks a handler as a tus route, so the Fastify hook below knows which requests are ours. */
export const TusRoute = (): MethodDecorator => SetMetadata(FASTIFY_ROUTE_CONFIG, { [TUS_ROUTE]: true });

/**
 * Fastify parses (or refuses with a bare 415) a request body before any route handler runs. On tus
 * routes the body must reach the engine unread, and a wrong Content-Type must get the tus 415 with
 * `Tus-Resumable` and CORS headers. So, on tus routes only, a request with a body or a label is labelled
 * as tus bytes for Fastify (whose parser for that type reads nothing), and the engine gets the original
 * label back through {@link restoreContentType}. Other routes of the application are not touched.
 *
 * Never use `app.useBodyParser` for tus bodies: Nest registers it with `parseAs: 'buffer'`.
 */
@Injectable()
export class FastifyBodyRegistrar implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyLike & { [INSTALLED]?: true }>();
    // Two registrations of the module share one Fastify instance: install once.
    if (fastify[INSTALLED]) return;
    fastify[INSTALLED] = true;
    if (!fastify.hasContentTypeParser(OFFSET_CONTENT_TYPE)) {
      fastify.addContentTypeParser(OFFSET_CONTENT_TYPE, (_req, _payload, done) => done(null));
    }
    fastify.addHook('onRequest', (request, _reply, done) => {
      if (request.routeOptions?.config?.[TUS_ROUTE] === true) relabel(request.raw);
      done();
    });
  }
}

function relabel(raw: IncomingMessage): void {
  const length = raw.headers['content-length'];
  const hasBody = length !== undefined ? length !== '0' : raw.headers['transfer-encoding'] !== undefined;
  const type = raw.headers['content-type'];
  // Fastify runs its parser for any labelled request, even an empty one (an IETF-draft PATCH that
  // only says Upload-Complete: ?1 carries application/partial-upload and no byte).
  if ((!hasBody && type === undefined) || type === OFFSET_CONTENT_TYPE) return;
  (raw as IncomingMessage & { [ORIGINAL_CONTENT_TYPE]?: string | null })[ORIGINAL_CONTENT_TYPE] = type ?? null;
  raw.headers['content-type'] = OFFSET_CONTENT_TYPE;
}

/** Puts back the Content-Type the client sent, if the Fastify hook relabelled it. */
export function restoreContentType(raw: IncomingMessage): void {
  const original = (raw as IncomingMessage & { [ORIGINAL_CONTENT_TYPE]?: string | null })[ORIGINAL_CONTENT_TYPE];
  if (original === undefined) return;
  if (original === null) delete raw.headers['content-type'];
  else raw.headers['content-type'] = original;
}
