import { FileProgress, failedLine, interruptedLine, type Reporter } from './reporter.js';
import { formatBytes } from './units.js';

/** When stdout is not a terminal: one line per file at most every `intervalMs`, plus the events. */
export class PlainReporter implements Reporter {
  private readonly files = new Map<string, FileProgress & { printedAt?: number }>();

  constructor(
    private readonly out: (line: string) => void,
    /** Failures and interruptions. */
    private readonly err: (line: string) => void = out,
    private readonly intervalMs = 1000,
  ) {}

  start(file: string, size: number | undefined): void {
    this.files.set(file, new FileProgress(size));
    this.out(`${file}: uploading ${size === undefined ? '(length unknown)' : formatBytes(size)}`);
  }

  resume(file: string, url: string, offset: number): void {
    this.out(`${file}: resuming ${url} at ${formatBytes(offset)}`);
  }

  progress(file: string, sent: number): void {
    const state = this.files.get(file)!;
    state.update(sent);
    const now = Date.now();
    if (now - (state.printedAt ?? state.startedAt) < this.intervalMs) return;
    state.printedAt = now;
    this.out(`${file}: ${state.describe()}`);
  }

  done(file: string, url: string): void {
    const state = this.files.get(file)!;
    this.out(`${file}: done in ${state.elapsed()}: ${url}`);
  }

  failed(file: string, error: Error & { status?: number; reason?: string }): void {
    this.err(failedLine(file, error));
  }

  interrupted(file: string, url: string | undefined, offset: number | undefined, total: number | undefined): void {
    this.err(interruptedLine(file, url, offset, total));
  }

  close(): void {}
}
