import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Subject } from 'rxjs';
import { answerHeaderOverflow } from './http/header-overflow.js';
import type { GracefulShutdown } from './operations/graceful-shutdown.js';
import type { TusEvent } from './protocol/tus-events.js';
import { UploadOperations } from './protocol/uploads/upload-operations.js';
import { FileStore } from './storage/file-store.js';
import type { UploadStore } from './storage/upload-store.js';
import { TUS_EVENTS, TUS_RESOLVED_OPTIONS, TUS_SHUTDOWN, TUS_STORE } from './tus.constants.js';
import type { ResolvedTusOptions } from './tus-options.js';

const NODE_DEFAULT_REQUEST_TIMEOUT = 300_000;

/**
 * One endpoint's part in the application's life: it prepares the store, schedules cleanup and
 * completion retries, adjusts the HTTP server once it exists, and drains on shutdown. Kept apart from
 * `TusService`, which is the API applications call, so that the service holds no timers or hooks.
 */
@Injectable()
export class TusLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('TusModule');
  private cleanupTimer: NodeJS.Timeout | undefined;
  private completionTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(TUS_RESOLVED_OPTIONS) private readonly options: ResolvedTusOptions,
    @Inject(TUS_STORE) private readonly store: UploadStore,
    private readonly operations: UploadOperations,
    @Inject(TUS_SHUTDOWN) private readonly shutdown: GracefulShutdown,
    @Inject(TUS_EVENTS) private readonly events: Subject<TusEvent>,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.store.init();
    } catch (error) {
      const hint = this.store instanceof FileStore ? 'check the "directory" option and its permissions' : "check the store's settings (bucket, endpoint, credentials)";
      throw new Error(`TusModule: the upload store could not be prepared (${(error as Error).message}); ${hint}`, { cause: error });
    }
    if (this.options.cleanupInterval > 0) {
      this.cleanupTimer = setInterval(() => void this.runCleanup(), this.options.cleanupInterval);
      this.cleanupTimer.unref();
    }
  }

  onApplicationBootstrap(): void {
    // Completion handlers owed from before a crash run once the whole application is up (the
    // handlers' own dependencies included), then failed ones on their backoff schedule.
    void this.runCompletions();
    this.completionTimer = setInterval(() => void this.runCompletions(), this.options.completionRetryDelay);
    this.completionTimer.unref();
    const server = this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) answerHeaderOverflow(server);
    if (!this.options.disableRequestTimeout) return;
    // Only Node's default is changed; a value the application chose is left alone.
    if (server && server.requestTimeout === NODE_DEFAULT_REQUEST_TIMEOUT) server.requestTimeout = 0;
  }

  /**
   * The first shutdown hook (the HTTP server still answers): refuses new uploads, asks running PATCHes
   * to stop and waits up to `shutdownTimeout` for them and for running completion handlers.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.cleanupTimer);
    clearInterval(this.completionTimer);
    await this.shutdown.drain();
  }

  /** The server has closed: `events$` completes after the last event it emitted. */
  async onApplicationShutdown(): Promise<void> {
    this.shutdown.finish();
    // Behind the events still queued (they are delivered on setImmediate too), before Nest ends the process.
    await new Promise((resolve) => setImmediate(resolve));
    this.events.complete();
  }

  private async runCompletions(): Promise<void> {
    if (this.shutdown.closing) return;
    const end = this.shutdown.work.begin();
    try {
      await this.operations.resumeCompletions();
    } catch (error) {
      this.logger.error(`completion retry failed: ${(error as Error).message}`);
    } finally {
      end();
    }
  }

  private async runCleanup(): Promise<void> {
    if (this.shutdown.closing) return;
    const end = this.shutdown.work.begin();
    try {
      const removed = await this.operations.cleanup();
      if (removed > 0) this.logger.log(`cleanup removed ${removed} expired upload(s)`);
    } catch (error) {
      this.logger.error(`cleanup failed: ${(error as Error).message}`);
    } finally {
      end();
    }
  }
}
