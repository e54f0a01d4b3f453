import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as PromClient from 'prom-client';
import type { Locker } from '../../locking/locker.js';
import type { TusEvent } from '../../protocol/tus-events.js';
import type { EngineHooks } from '../../protocol/upload-record.js';
import type { UploadStore } from '../../storage/upload-store.js';
import { observedLocker } from './observed-locker.js';
import { observedStore } from './observed-store.js';

type Prom = typeof PromClient;

/** Where the metrics go (the `metrics` option's object form). */
export interface MetricsDestination {
  /** A prom-client `Registry`; default its global `register`. */
  registry?: unknown;
  /** Prefix of every metric name. Default `tus_`. */
  prefix?: string;
}

/** Request durations run from a HEAD (milliseconds) to a whole-file PATCH (minutes). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const LOCK_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10];

/**
 * This endpoint's Prometheus metrics (label `endpoint`), on prom-client: loaded only when `metrics` is
 * on. The metric objects are shared by every registration on one registry (they differ by the label);
 * each registration binds its label children once, so counting costs a few additions per request.
 * `started` makes it the HTTP handler's request observer.
 */
export class TusMetrics {
  private readonly prom: Prom;
  private readonly seen = new WeakSet<IncomingMessage>();
  private readonly requestChildren = new Map<string, PromClient.Counter.Internal>();
  private readonly durationChildren = new Map<string, PromClient.Histogram.Internal<string>>();
  private readonly requests: PromClient.Counter;
  private readonly durations: PromClient.Histogram;
  private readonly created: PromClient.Counter.Internal;
  private readonly completed: PromClient.Counter.Internal;
  private readonly terminated: PromClient.Counter.Internal;
  private readonly expired: PromClient.Counter.Internal;
  private readonly patches: PromClient.Gauge.Internal<string>;
  private readonly lockWaits: PromClient.Histogram.Internal<string>;
  private readonly lockTimeouts: PromClient.Counter.Internal;
  private readonly completionRuns: PromClient.Counter.Internal;
  private readonly completionFailures: PromClient.Counter.Internal;
  /** Bound once: bytes are counted per stored write. */
  readonly bytes: { inc(value: number): void };
  readonly storeErrors: { inc(): void };

  constructor(
    options: true | MetricsDestination,
    private readonly endpoint: string,
    pendingCompletions: () => Promise<number>,
  ) {
    this.prom = loadPromClient();
    const settings = options === true ? {} : options;
    const registry = (settings.registry as PromClient.Registry | undefined) ?? this.prom.register;
    const prefix = settings.prefix ?? 'tus_';
    const labels = { endpoint };
    const counter = (name: string, help: string, labelNames: string[] = []) =>
      shared(registry, prefix + name, () => new this.prom.Counter({ name: prefix + name, help, labelNames: ['endpoint', ...labelNames], registers: [registry] }));
    const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
      shared(registry, prefix + name, () => new this.prom.Histogram({ name: prefix + name, help, buckets, labelNames: ['endpoint', ...labelNames], registers: [registry] }));

    this.requests = counter('requests_total', 'tus requests answered, by method and status', ['method', 'status']);
    this.durations = histogram('request_duration_seconds', 'Time from a tus request reaching the endpoint to its response ending', DURATION_BUCKETS, ['method']);
    this.created = counter('uploads_created_total', 'Uploads created').labels(labels);
    this.completed = counter('uploads_completed_total', 'Uploads completed (after the UploadCompleteHandler succeeded)').labels(labels);
    this.terminated = counter('uploads_terminated_total', 'Uploads terminated (DELETE or TusService.terminate)').labels(labels);
    this.expired = counter('uploads_expired_total', 'Incomplete uploads removed by the expiration cleanup').labels(labels);
    this.bytes = counter('bytes_received_total', 'Upload bytes stored (counted when each request has written them)').labels(labels);
    this.completionRuns = counter('completion_runs_total', 'UploadCompleteHandler runs (first runs and retries)').labels(labels);
    this.completionFailures = counter('completion_failures_total', 'UploadCompleteHandler runs that threw').labels(labels);
    this.lockWaits = histogram('lock_wait_seconds', 'Time a request waited for its upload lock', LOCK_BUCKETS).labels(labels);
    this.lockTimeouts = counter('lock_timeouts_total', 'Requests answered 423: the lock was not had within lockTimeout').labels(labels);
    this.storeErrors = counter('store_errors_total', 'Store calls that failed (storage full included)').labels(labels);
    this.patches = shared(
      registry,
      `${prefix}patches_in_flight`,
      () => new this.prom.Gauge({ name: `${prefix}patches_in_flight`, help: 'PATCH requests being received now', labelNames: ['endpoint'], registers: [registry] }),
    ).labels(labels);
    const pending = shared(
      registry,
      `${prefix}completions_pending`,
      () =>
        new this.prom.Gauge({
          name: `${prefix}completions_pending`,
          help: 'Completed uploads whose UploadCompleteHandler is still owed (counted in the store at each scrape)',
          labelNames: ['endpoint'],
          registers: [registry],
          async collect() {
            await Promise.all([...pendingCollectors(this)].map((collect) => collect()));
          },
        }),
    );
    // Series at 0 from the start, so that rate() and absent() see them before the first event.
    for (const child of [this.created, this.completed, this.terminated, this.expired, this.bytes, this.completionRuns, this.completionFailures, this.lockTimeouts, this.storeErrors]) child.inc(0);
    const collectors = pendingCollectors(pending);
    collectors.add(async () => pending.set(labels, await pendingCompletions()));
  }

  started(req: IncomingMessage, res: ServerResponse, method: string): void {
    if (this.seen.has(req)) return;
    this.seen.add(req);
    const began = performance.now();
    const patching = method === 'PATCH';
    if (patching) this.patches.inc();
    res.once('close', () => {
      if (patching) this.patches.dec();
      const status = res.headersSent ? String(res.statusCode) : 'aborted';
      this.requestCounter(method, status).inc();
      this.duration(method).observe((performance.now() - began) / 1000);
    });
  }

  /** The store, observed: its errors and the bytes it stored. */
  observeStore(store: UploadStore): UploadStore {
    return observedStore(store, this);
  }

  /** The locker, observed: lock waits and 423s. */
  observeLocker(locker: Locker): Locker {
    return observedLocker(locker, this);
  }

  /** The completion handler, observed: its runs and failures. */
  observeCompletion(handler: EngineHooks['uploadComplete']): EngineHooks['uploadComplete'] {
    return (
      handler &&
      (async (upload, context) => {
        try {
          await handler(upload, context);
          this.completionRan(false);
        } catch (error) {
          this.completionRan(true);
          throw error;
        }
      })
    );
  }

  /** Counts what `events$` tells: creations, completions, terminations, expirations. */
  event(event: TusEvent): void {
    switch (event.type) {
      case 'created':
        return this.created.inc();
      case 'completed':
        return this.completed.inc();
      case 'terminated':
        return this.terminated.inc();
      case 'expired':
        return this.expired.inc();
    }
  }

  lockWaited(seconds: number): void {
    this.lockWaits.observe(seconds);
  }

  lockTimedOut(): void {
    this.lockTimeouts.inc();
  }

  completionRan(failed: boolean): void {
    this.completionRuns.inc();
    if (failed) this.completionFailures.inc();
  }

  private requestCounter(method: string, status: string): PromClient.Counter.Internal {
    const key = `${method} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requests.labels({ endpoint: this.endpoint, method, status });
      this.requestChildren.set(key, child);
    }
    return child;
  }

  private duration(method: string): PromClient.Histogram.Internal<string> {
    let child = this.durationChildren.get(method);
    if (!child) {
      child = this.durations.labels({ endpoint: this.endpoint, method });
      this.durationChildren.set(method, child);
    }
    return child;
  }
}

/** The metric already registered under `name` (another registration's), or a new one. */
function shared<T>(registry: PromClient.Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

const collectorsByGauge = new WeakMap<object, Set<() => Promise<void>>>();
function pendingCollectors(gauge: object): Set<() => Promise<void>> {
  let set = collectorsByGauge.get(gauge);
  if (!set) collectorsByGauge.set(gauge, (set = new Set()));
  return set;
}

function loadPromClient(): Prom {
  try {
    return createRequire(import.meta.url)('prom-client') as Prom;
  } catch (error) {
    throw new Error('TusModule: "metrics" needs the prom-client package: npm install prom-client', { cause: error });
  }
}
