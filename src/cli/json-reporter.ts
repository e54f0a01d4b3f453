import type { Reporter } from './reporter.js';

/** `--json`: one JSON object per line and event, for scripts; progress at most every `intervalMs` per file. */
export class JsonReporter implements Reporter {
  private readonly printedAt = new Map<string, number>();

  constructor(
    private readonly out: (line: string) => void,
    private readonly intervalMs = 250,
  ) {}

  private emit(event: Record<string, unknown>): void {
    this.out(JSON.stringify(event));
  }

  start(file: string, size: number | undefined): void {
    this.emit({ event: 'start', file, size: size ?? null });
  }

  resume(file: string, url: string, offset: number): void {
    this.emit({ event: 'resume', file, url, offset });
  }

  progress(file: string, sent: number, total: number | undefined): void {
    const now = Date.now();
    const last = this.printedAt.get(file);
    if (last !== undefined && now - last < this.intervalMs && sent !== total) return;
    this.printedAt.set(file, now);
    this.emit({ event: 'progress', file, bytes: sent, total: total ?? null });
  }

  done(file: string, url: string): void {
    this.emit({ event: 'done', file, url });
  }

  failed(file: string, error: Error & { status?: number; reason?: string }): void {
    this.emit({ event: 'error', file, status: error.status ?? null, reason: error.reason ?? null, message: error.message });
  }

  interrupted(file: string, url: string | undefined, offset: number | undefined, total: number | undefined): void {
    this.emit({ event: 'interrupted', file, url: url ?? null, offset: offset ?? null, total: total ?? null });
  }

  close(): void {}
}
