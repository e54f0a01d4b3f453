import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { TusHealthIndicator } from '../../src/health/index.js';

/** GET /health: 200 while the upload store and the locker answer, 503 otherwise (for a readiness probe). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tus: TusHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tus.isHealthy('uploads')]);
  }
}
