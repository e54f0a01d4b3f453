import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { TusService } from '../../src/index.js';

/** Logs what happens to uploads, from `TusService.events$` (never slows an upload down). */
@Injectable()
export class ProgressLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Progress');
  private subscription?: Subscription;

  constructor(private readonly tus: TusService) {}

  onModuleInit(): void {
    this.subscription = this.tus.events$.subscribe((event) => {
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

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
