import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { TusHttpHandler } from './tus-http-handler.js';

/**
 * Controller-scoped: catches everything thrown on a tus route, guard rejections included, so every
 * error answer carries `Tus-Resumable` and CORS headers (a browser otherwise hides the status and
 * tus-js-client retries a 403 as if the network had failed).
 */
@Catch()
@Injectable()
export class TusExceptionFilter implements ExceptionFilter {
  constructor(private readonly http: TusHttpHandler) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    this.http.observeError(context.getRequest(), context.getResponse());
    this.http.responder.sendError(context.getRequest(), context.getResponse(), exception);
  }
}
