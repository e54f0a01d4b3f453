import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { TusHealthOptions } from '../operations/health-check.js';
import { TusService } from '../tus.service.js';

export interface TusHealthCheckOptions extends TusHealthOptions {
  /** The endpoint to check, for several registrations (`@InjectTusService(name)`); default the injected one. */
  service?: TusService;
}

/**
 * A terminus health indicator for a tus endpoint, used like the built-in ones:
 * `health.check([() => tusHealth.isHealthy('uploads')])`. Down when the store does not answer (or a file
 * store's disk is nearly full) or the locker does not; it always reports the owed completions.
 */
@Injectable()
export class TusHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly tus: TusService,
  ) {}

  async isHealthy<const Key extends string>(key: Key, options: TusHealthCheckOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicator.check(key);
    const report = await (options.service ?? this.tus).checkHealth(options);
    const data = { store: report.store, locker: report.locker, pendingCompletions: report.pendingCompletions };
    return report.healthy ? session.up(data) : session.down(data);
  }
}
