import type { TusEngine } from '../protocol/tus-engine.js';
import { TusError } from '../protocol/tus-error.js';
import type { ResolvedTusOptions } from '../tus-options.js';
import { CorsPolicy } from './cors-policy.js';
import { restoreContentType } from './fastify-body.registrar.js';
import { collectionUrl, effectiveMethod, nodeRequest, nodeResponse, routeParams, type FrameworkReply, type FrameworkRequest } from './framework-request.js';
import { sendInterim } from './interim-response.js';
import { TrustedProxies } from './trusted-proxies.js';
import { TusResponder } from './tus-responder.js';

/** From a framework request to the engine and back: the one path every tus route takes. */
export class TusHttpHandler {
  readonly responder: TusResponder;
  private readonly cors: CorsPolicy;
  private readonly proxies: TrustedProxies;

  constructor(
    private readonly engine: TusEngine,
    private readonly options: ResolvedTusOptions,
  ) {
    this.cors = new CorsPolicy(options.cors);
    this.proxies = new TrustedProxies(options.trustProxy);
    this.responder = new TusResponder(this.cors);
  }

  /** Answers the request; errors are thrown so the exception filter answers them like guard errors. */
  async handle(req: FrameworkRequest, reply: FrameworkReply, id: string | undefined): Promise<void> {
    const raw = nodeRequest(req);
    restoreContentType(raw);
    if (this.cors.forbids(raw.headers)) {
      throw new TusError(403, 'ERR_ORIGIN_NOT_ALLOWED', `origin ${raw.headers.origin} is not allowed to use this endpoint`);
    }
    const response = await this.engine.handle({
      method: effectiveMethod(raw),
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
