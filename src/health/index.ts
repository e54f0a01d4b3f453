// `nestjs-tus/health`: needs @nestjs/terminus, so it lives apart from the main entry point, which
// must load without it.
export { TusHealthIndicator, type TusHealthCheckOptions } from './tus-health.indicator.js';
export type { TusHealthOptions, TusHealthReport } from '../operations/health-check.js';
