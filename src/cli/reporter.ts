import { RateMeter } from './rate-meter.js';
import { formatBytes, formatDuration } from './units.js';

/** What the upload command tells about each file; a terminal bar, plain lines or JSON lines say it. */
export interface Reporter {
  start(file: string, size: number | undefined): void;
  resume(file: string, url: string, offset: number): void;
  progress(file: string, sent: number, total: number | undefined): void;
  done(file: string, url: string): void;
  failed(file: string, error: Error & { status?: number; reason?: string }): void;
  interrupted(file: string, url: string | undefined, offset: number | undefined, total: number | undefined): void;
  /** Called once at the end, before the process exits. */
  close(): void;
}

/** The per-file numbers every human-readable reporter shows. */
export class FileProgress {
  readonly meter = new RateMeter();
  readonly startedAt = Date.now();
  sent = 0;

  constructor(readonly total: number | undefined) {}

  update(sent: number): void {
    this.sent = sent;
    this.meter.add(sent);
  }

  /** `12.0 MiB of 50.0 MiB (24%), 8.1 MiB/s, ETA 5s` */
  describe(): string {
    const { total, sent } = this;
    const amount = total === undefined ? formatBytes(sent) : `${formatBytes(sent)} of ${formatBytes(total)} (${total ? Math.floor((sent / total) * 100) : 100}%)`;
    const eta = total === undefined ? '' : `, ETA ${formatDuration(this.meter.eta(total))}`;
    return `${amount}, ${formatBytes(Math.round(this.meter.rate))}/s${eta}`;
  }

  elapsed(): string {
    return formatDuration((Date.now() - this.startedAt) / 1000);
  }
}

/** The line said when an upload was interrupted: where it stands and how to go on. */
export function interruptedLine(file: string, url: string | undefined, offset: number | undefined, total: number | undefined): string {
  const where = offset === undefined ? '' : ` with ${formatBytes(offset)}${total === undefined ? '' : ` of ${formatBytes(total)}`} on the server`;
  return `${file}: interrupted${where}${url ? ` (${url})` : ''}; run the same command again to resume`;
}

export function failedLine(file: string, error: Error & { status?: number; reason?: string }): string {
  return `${file}: failed: ${error.status ? `${error.status} ${error.reason || ''}`.trim() : error.message}`;
}
