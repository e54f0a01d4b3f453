import type { TusEngine } from '../protocol/tus-engine.js';
import { TusError } from '../protocol/tus-error.js';
import { CorsPolicy } from './cors-policy.js';
import { restoreContentType } from './fastify-body.registrar.js';
import { collectionUrl, effectiveMethod, nodeRequest, nodeResponse, routeParams, type FrameworkReply, type FrameworkRequest } from './framework-request.js';
import { sendInterim } from './interim-response.js';
import { TrustedProxies } from './trusted-proxies.js';
import { TusResponder } from './tus-responder.js';
import type { ShutdownState } from './shutdown-state.js';
import type { RequestObserver } from './request-observer.js';
import type { TusHttpOptions } from './tus-http-options.js';

/** Requests that change an upload: a shutdown waits for them, and refuses new creations and appends. */
const WRITING = new Set(['POST', 'PATCH', 'DELETE']);

/** From a framework request to the engine and back: the one path every tus route takes. */
export class TusHttpHandler {
  readonly responder: TusResponder;
  private readonly cors: CorsPolicy;
  private readonly proxies: TrustedProxies;

  constructor(
    private readonly engine: TusEngine,
    private readonly options: TusHttpOptions,
    private readonly shutdown?: ShutdownState,
    private readonly observer?: RequestObserver,
  ) {
    this.cors = new CorsPolicy(options.cors);
    this.proxies = new TrustedProxies(options.trustProxy);
    this.responder = new TusResponder(this.cors);
  }

  /** Answers the request; errors are thrown so the exception filter answers them like guard errors. */
  async handle(req: FrameworkRequest, reply: FrameworkReply, id: string | undefined): Promise<void> {
    const raw = nodeRequest(req);
    const method = effectiveMethod(raw);
    this.observer?.started(raw, nodeResponse(reply), method);
    const writing = WRITING.has(method);
    if (this.shutdown?.closing) refuseWhileClosing(nodeResponse(reply), method, this.shutdown.retryAfter);
    const end = writing ? this.shutdown?.work.begin() : undefined;
    try {
      await this.answer(req, reply, raw, method, id);
    } finally {
      end?.();
    }
  }

  /** An error answered by the exception filter (a guard's rejection never reached `handle`). */
  observeError(req: FrameworkRequest, reply: FrameworkReply): void {
    const raw = nodeRequest(req);
    this.observer?.started(raw, nodeResponse(reply), effectiveMethod(raw));
  }

  private async answer(req: FrameworkRequest, reply: FrameworkReply, raw: ReturnType<typeof nodeRequest>, method: string, id: string | undefined): Promise<void> {
    restoreContentType(raw);
    if (this.cors.forbids(raw.headers)) {
      throw new TusError(403, 'ERR_ORIGIN_NOT_ALLOWED', `origin ${raw.headers.origin} is not allowed to use this endpoint`);
    }
    const response = await this.engine.handle({
      method,
      headers: raw.headers,
      body: raw,
      id,
      collectionUrl: collectionUrl(req, id !== undefined, this.options.relativeLocation, this.proxies),
      context: req,
      params: routeParams(req),
      sendInterim: (status, headers) => sendInterim(raw, nodeResponse(reply), status, headers),
    });
    await this.responder.send(req, reply, response);
  }
}

/**
 * While shutting down, every answer closes its connection (the client's next request reaches another
 * instance behind the load balancer), and new creations and appends are refused with 503.
 */
function refuseWhileClosing(res: ReturnType<typeof nodeResponse>, method: string, retryAfter: number): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  if (method !== 'POST' && method !== 'PATCH') return;
  throw new TusError(503, 'ERR_SHUTTING_DOWN', `this server is shutting down; retry in ${retryAfter} s (the upload continues where it stopped)`, {
    'Retry-After': String(retryAfter),
  });
}
