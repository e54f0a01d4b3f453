import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { TusService } from '../../src/index.js';

/**
 * Logs what happens to uploads, from `TusService.events$` (never slows an upload down). The stream
 * completes by itself once the application has shut down, after its last event (the PATCHes a shutdown
 * stopped included), so there is nothing to unsubscribe.
 */
@Injectable()
export class ProgressLogger implements OnModuleInit {
  private readonly logger = new Logger('Progress');

  constructor(private readonly tus: TusService) {}

  onModuleInit(): void {
    this.tus.events$.subscribe((event) => {
      switch (event.type) {
        case 'progress': {
          const { id, offset, length } = event.upload;
          this.logger.log(`${id}: ${offset} of ${length ?? '?'} bytes`);
          break;
        }
        case 'failed':
          this.logger.warn(`${event.id}: ${event.status} ${event.reason}`);
          break;
        default:
          this.logger.log(`${'upload' in event ? event.upload.id : event.id}: ${event.type}`);
      }
    });
  }
}
