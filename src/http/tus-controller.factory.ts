import {
  Controller,
  Delete,
  Get,
  Head,
  Options,
  Param,
  Patch,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type CanActivate,
  type Type,
} from '@nestjs/common';
import type { FrameworkReply, FrameworkRequest } from './framework-request.js';
import { TusRoute } from './fastify-body.registrar.js';
import { TusExceptionFilter } from './tus-exception.filter.js';
import { TusHttpHandler } from './tus-http-handler.js';

type Guard = Type<CanActivate> | CanActivate;

/**
 * A controller class per registration: each has its own path and guards, which decorators on one
 * shared class could not give two registrations (Nest reads route and guard metadata from the class).
 *
 * Guards go on every route but OPTIONS: browser preflights carry no credentials. `@Head` is declared
 * before `@Get` for the same path: Express would answer HEAD with the GET route, and Fastify refuses
 * a HEAD declared after its automatic one. Each handler only hands the request to the registration's {@link TusHttpHandler}.
 */
export function createTusController(path: string, guards: Guard[]): Type<unknown> {
  const Guarded = (): MethodDecorator => UseGuards(...guards);

  @Controller(path)
  @UseFilters(TusExceptionFilter)
  class TusController {
    constructor(readonly http: TusHttpHandler) {}

    // Express tries routes in the order they are declared: the ones every upload takes come first.
    @Patch(':id')
    @TusRoute()
    @Guarded()
    patch(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    @Head(':id')
    @TusRoute()
    @Guarded()
    head(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    @Post()
    @TusRoute()
    @Guarded()
    create(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Options()
    @TusRoute()
    optionsCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Options(':id')
    @TusRoute()
    optionsUpload(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    /** POST + `X-HTTP-Method-Override` (tus-js-client's `overridePatchMethod`). */
    @Post(':id')
    @TusRoute()
    @Guarded()
    override(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    @Head()
    @TusRoute()
    @Guarded()
    headCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Get()
    @TusRoute()
    @Guarded()
    getCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Get(':id')
    @TusRoute()
    @Guarded()
    download(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    @Delete(':id')
    @TusRoute()
    @Guarded()
    terminate(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }

    // Methods tus does not use on a URL answer 405 with `Allow` rather than a bare 404.
    @Patch()
    @TusRoute()
    @Guarded()
    patchCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Delete()
    @TusRoute()
    @Guarded()
    deleteCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Put()
    @TusRoute()
    @Guarded()
    putCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.http.handle(req, res, undefined);
    }

    @Put(':id')
    @TusRoute()
    @Guarded()
    putUpload(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.http.handle(req, res, id);
    }
  }
  return TusController;
}
