import type { Server } from 'node:http';
import type { DrainingLocker } from '../locking/draining-locker.js';
import { Activity } from '../protocol/activity.js';

/** Where the shutdown reports what it waited for and what it had to cut (TusModule: a Nest `Logger`). */
export interface ShutdownLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * An endpoint's part in the application's shutdown (Nest closes the HTTP server only after the
 * `onModuleDestroy` and `beforeApplicationShutdown` hooks, so the server still answers while this drains):
 * new uploads and appends are refused with 503, running PATCHes are asked to let go as a newer request
 * would (they keep their bytes and answer with their offset), and everything running here (requests,
 * completion handlers, housekeeping) gets `timeout` ms to end. Then whatever still runs is cut: the
 * connections are closed and the locks released, and nothing acknowledged is lost by it.
 */
export class GracefulShutdown {
  /** Writing requests, completion scans and cleanups of this endpoint. */
  readonly work = new Activity();
  private started: number | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private cut: Promise<void> | undefined;

  constructor(
    private readonly locker: DrainingLocker,
    private readonly timeout: number,
    private readonly server: () => Server | undefined,
    private readonly logger: ShutdownLogger,
  ) {}

  /** True from the first shutdown hook on: new uploads and appends are refused. */
  get closing(): boolean {
    return this.started !== undefined;
  }

  /** Seconds a refused client should wait: enough for a load balancer to route it elsewhere. */
  readonly retryAfter = 1;

  /** Refuses new work, asks running PATCHes to stop and waits (at most `timeout`) for the rest to end. */
  async drain(): Promise<void> {
    if (this.started !== undefined) return;
    this.started = Date.now();
    const running = this.work.count;
    const locks = this.locker.busy;
    if (running > 0 || locks > 0) {
      this.logger.log(`shutting down: ${running} request(s) and job(s) running, ${locks} lock(s) held; waiting up to ${this.timeout} ms`);
    }
    const timedOut = new Promise<'timeout'>((resolve) => {
      // Also covers the server's close after the hooks: a connection still open then is cut too.
      this.deadline = setTimeout(() => resolve('timeout'), this.timeout);
    });
    this.locker.drain();
    const outcome = await Promise.race([this.idle().then(() => 'idle' as const), timedOut]);
    if (outcome === 'timeout') {
      await this.cutRemaining();
      return;
    }
    if (running > 0 || locks > 0) this.logger.log(`drained in ${Date.now() - this.started} ms`);
    void timedOut.then(() => this.cutRemaining());
  }

  /** The application has shut down: nothing is left to cut. */
  finish(): void {
    clearTimeout(this.deadline);
  }

  private async idle(): Promise<void> {
    // A finishing request may start a completion (a lock) and a completion scan may take one: loop.
    while (this.work.count > 0 || this.locker.busy > 0) {
      await this.work.idle();
      await this.locker.idle();
    }
  }

  private cutRemaining(): Promise<void> {
    this.cut ??= (async () => {
      const server = this.server();
      const connections = await connectionCount(server);
      server?.closeAllConnections?.();
      const released = await this.locker.releaseAll();
      this.logger.warn(
        `shutdown timeout (${this.timeout} ms) reached: cut ${connections} connection(s), released ${released} lock(s), ` +
          `${this.work.count} request(s) and job(s) abandoned (their bytes are kept; owed completions run again on the next start or another instance)`,
      );
    })();
    return this.cut;
  }
}

function connectionCount(server: Server | undefined): Promise<number> {
  if (!server) return Promise.resolve(0);
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}
