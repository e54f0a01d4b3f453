/** Bytes per second over the last few seconds, and the time left at that rate. */
export class RateMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  add(bytes: number, at = Date.now()): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  /** Bytes per second; 0 until two samples are apart in time. */
  get rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at === first.at) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` at the current rate; Infinity when unknown. */
  eta(total: number | undefined): number {
    const last = this.samples.at(-1);
    if (total === undefined || !last || this.rate <= 0) return Infinity;
    return (total - last.bytes) / this.rate;
  }
}
