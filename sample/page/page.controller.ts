import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The page's own files sit next to this one (nest-cli.json copies them next to the compiled controller);
// Uppy's browser build comes from its package in node_modules: nothing is loaded from the internet.
const here = path.dirname(fileURLToPath(import.meta.url));
const uppyDist = path.join(path.dirname(createRequire(import.meta.url).resolve('uppy/package.json')), 'dist');

/**
 * GET /: an upload page with Uppy's Dashboard and its tus plugin pointed at /files, a token field when
 * UPLOAD_TOKENS is set, and the caller's completed uploads (GET /uploads) with download links.
 */
@Controller()
export class PageController {
  private readonly html = readFileSync(path.join(here, 'index.html'), 'utf8').replace('__TOKENS__', String(Boolean(process.env.UPLOAD_TOKENS)));

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return this.html;
  }

  @Get('page.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): StreamableFile {
    return new StreamableFile(createReadStream(path.join(here, 'page.js')));
  }

  @Get('assets/uppy.min.mjs')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  uppy(): StreamableFile {
    return new StreamableFile(createReadStream(path.join(uppyDist, 'uppy.min.mjs')));
  }

  @Get('assets/uppy.min.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  uppyStyles(): StreamableFile {
    return new StreamableFile(createReadStream(path.join(uppyDist, 'uppy.min.css')));
  }
}
