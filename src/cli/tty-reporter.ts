import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { FileProgress, failedLine, interruptedLine, type Reporter } from './reporter.js';
import { formatBytes, formatDuration } from './units.js';

/** On a terminal: a progress bar per file (cli-progress), with bytes, rate and ETA. */
export class TtyReporter implements Reporter {
  private readonly bars = new MultiBar(
    { format: '{file} {bar} {percentage}% | {amount} | {rate}/s | ETA {eta}', barsize: 24, hideCursor: true, clearOnComplete: false, autopadding: true, fps: 5 },
    Presets.shades_classic,
  );
  private readonly files = new Map<string, { progress: FileProgress; bar: SingleBar }>();

  start(file: string, size: number | undefined): void {
    const progress = new FileProgress(size);
    const bar = this.bars.create(size ?? 1, 0, this.payload(file, progress));
    this.files.set(file, { progress, bar });
  }

  resume(file: string, url: string, offset: number): void {
    this.bars.log(`${file}: resuming ${url} at ${formatBytes(offset)}\n`);
  }

  progress(file: string, sent: number, total: number | undefined): void {
    const { progress, bar } = this.files.get(file)!;
    progress.update(sent);
    if (total !== undefined) bar.setTotal(total);
    bar.update(total === undefined ? 0 : sent, this.payload(file, progress));
  }

  done(file: string, url: string): void {
    const { progress, bar } = this.files.get(file)!;
    bar.update(progress.total ?? 1, this.payload(file, progress));
    this.bars.log(`${file}: done in ${progress.elapsed()}: ${url}\n`);
  }

  failed(file: string, error: Error & { status?: number; reason?: string }): void {
    process.stderr.write(`${failedLine(file, error)}\n`);
  }

  interrupted(file: string, url: string | undefined, offset: number | undefined, total: number | undefined): void {
    this.bars.log(`${interruptedLine(file, url, offset, total)}\n`);
  }

  close(): void {
    this.bars.stop();
  }

  private payload(file: string, progress: FileProgress) {
    const amount = progress.total === undefined ? formatBytes(progress.sent) : `${formatBytes(progress.sent)}/${formatBytes(progress.total)}`;
    return { file, amount, rate: formatBytes(Math.round(progress.meter.rate)), eta: formatDuration(progress.meter.eta(progress.total)) };
  }
}
