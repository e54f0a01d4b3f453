import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { TusService } from '../tus.service.js';

/**
 * Controller-scoped: catches everything thrown on a tus route, guard rejections included, so every
 * error answer carries `Tus-Resumable` and CORS headers (a browser otherwise hides the status and
 * tus-js-client retries a 403 as if the network had failed).
 */
@Catch()
@Injectable()
export class TusExceptionFilter implements ExceptionFilter {
  constructor(private readonly tus: TusService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.tus.http.observeError(http.getRequest(), http.getResponse());
    this.tus.http.responder.sendError(http.getRequest(), http.getResponse(), exception);
  }
}
