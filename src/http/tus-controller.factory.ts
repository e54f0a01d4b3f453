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
import { TusService } from '../tus.service.js';
import type { FrameworkReply, FrameworkRequest } from './framework-request.js';
import { TusExceptionFilter } from './tus-exception.filter.js';

type Guard = Type<CanActivate> | CanActivate;

/**
 * A controller class per registration: each has its own path and guards, which decorators on one
 * shared class could not give two registrations (nestjs-12.md §2.4).
 *
 * Guards go on every route but OPTIONS: browser preflights carry no credentials. `@Head` is declared
 * before `@Get` for the same path: Express would answer HEAD with the GET route, and Fastify refuses
 * a HEAD declared after its automatic one. Each handler only hands the request to the service.
 */
export function createTusController(path: string, guards: Guard[]): Type<unknown> {
  const Guarded = (): MethodDecorator => UseGuards(...guards);

  @Controller(path)
  @UseFilters(TusExceptionFilter)
  class TusController {
    constructor(readonly tus: TusService) {}

    @Options()
    optionsCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Options(':id')
    optionsUpload(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    @Post()
    @Guarded()
    create(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    /** POST + `X-HTTP-Method-Override` (tus-js-client's `overridePatchMethod`). */
    @Post(':id')
    @Guarded()
    override(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    @Head()
    @Guarded()
    headCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Head(':id')
    @Guarded()
    head(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    @Get()
    @Guarded()
    getCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Get(':id')
    @Guarded()
    download(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    @Patch(':id')
    @Guarded()
    patch(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    @Delete(':id')
    @Guarded()
    terminate(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }

    // Methods tus does not use on a URL answer 405 with `Allow` rather than a bare 404.
    @Patch()
    @Guarded()
    patchCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Delete()
    @Guarded()
    deleteCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Put()
    @Guarded()
    putCollection(@Req() req: FrameworkRequest, @Res() res: FrameworkReply): Promise<void> {
      return this.tus.http.handle(req, res, undefined);
    }

    @Put(':id')
    @Guarded()
    putUpload(@Req() req: FrameworkRequest, @Res() res: FrameworkReply, @Param('id') id: string): Promise<void> {
      return this.tus.http.handle(req, res, id);
    }
  }
  return TusController;
}
