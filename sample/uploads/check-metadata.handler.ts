import { BadRequestException, Injectable } from '@nestjs/common';
import type { PreCreateContext, PreCreateHandler } from '../../src/index.js';

/** Refuses uploads without a file name before anything is stored. */
@Injectable()
export class CheckMetadataHandler implements PreCreateHandler {
  onPreCreate({ metadata }: PreCreateContext): void {
    if (!metadata.filename) {
      throw new BadRequestException('metadata "filename" is required (tus-js-client: metadata: { filename })');
    }
  }
}
