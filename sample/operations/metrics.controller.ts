import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';

/** GET /metrics: Prometheus' scrape of prom-client's default registry (the tus endpoint's metrics are in it). */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
