import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OFFSET_CONTENT_TYPE } from '../protocol/tus-headers.js';

interface FastifyLike {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(type: string, parser: (req: unknown, payload: unknown, done: (err: null) => void) => void): void;
}

/**
 * Fastify answers 415 to any body type it has no parser for, before the route runs. This registers a
 * parser for tus bodies that reads nothing, so the handler streams the raw request itself. Never use
 * `app.useBodyParser` for it: Nest registers that with `parseAs: 'buffer'`, which buffers the body.
 */
@Injectable()
export class FastifyBodyRegistrar implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyLike>();
    // Two registrations of the module share one Fastify instance: register once.
    if (fastify.hasContentTypeParser(OFFSET_CONTENT_TYPE)) return;
    fastify.addContentTypeParser(OFFSET_CONTENT_TYPE, (_req, _payload, done) => done(null));
  }
}
