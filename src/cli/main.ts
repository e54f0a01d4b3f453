#!/usr/bin/env node
// The `nestjs-tus` command: upload files to a tus server, show an upload, delete one. Built on
// nestjs-tus/client; the server's code is never loaded.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { terminate } from '../client/index.js';
import { showInfo } from './info-command.js';
import { JsonReporter } from './json-reporter.js';
import { collectPair } from './pairs.js';
import { PlainReporter } from './plain-reporter.js';
import type { Reporter } from './reporter.js';
import { TtyReporter } from './tty-reporter.js';
import { parseSize } from './units.js';
import { uploadFiles } from './upload-command.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function argument<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`"${value}" is not a positive integer`);
  return number;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const headerOption = () => new Option('-H, --header <name:value>', 'request header, e.g. "Authorization: Bearer s3cret" (repeatable)').argParser(argument(collectPair(':'))).default(new Map(), 'none');

const program = new Command('nestjs-tus').description('Upload files to a tus server, resumably.').version(version()).showHelpAfterError();

program
  .command('upload')
  .description('upload files; an interrupted upload (Ctrl-C, a crash) is resumed by running the same command again')
  .argument('<files...>', 'the files to upload, one after the other')
  .requiredOption('-e, --endpoint <url>', 'the tus endpoint, e.g. http://localhost:3000/files')
  .addOption(headerOption())
  .addOption(new Option('-m, --metadata <key=value>', 'Upload-Metadata pair (repeatable); filename and filetype default to the file\'s').argParser(argument(collectPair('='))).default(new Map(), 'filename, filetype'))
  .option('--chunk-size <size>', 'bytes per PATCH, e.g. 8MiB (default: the whole file, 8MiB with --checksum)', argument(parseSize))
  .option('--parallel <n>', 'send the file as n parts at once, joined by the server (concatenation)', argument(positiveInteger))
  .option('--checksum <algorithm>', 'send Upload-Checksum with every chunk, e.g. sha256 (the server must offer it)')
  .option('--url-store <file>', 'where interrupted uploads are remembered (default: nestjs-tus/uploads.json in the cache directory)')
  .option('--no-resume', 'do not remember or resume uploads')
  .option('--json', 'one JSON object per line and event, for scripts')
  .action(async (files: string[], options: { endpoint: string; header: Map<string, string>; metadata: Map<string, string>; chunkSize?: number; parallel?: number; checksum?: string; urlStore?: string; resume: boolean; json?: boolean }) => {
    const reporter: Reporter = options.json ? new JsonReporter(out) : process.stdout.isTTY ? new TtyReporter() : new PlainReporter(out, err);
    const controller = new AbortController();
    process.once('SIGINT', () => {
      controller.abort(new Error('interrupted'));
      process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C does not wait for the server
    });
    const status = await uploadFiles(
      files,
      { endpoint: options.endpoint, headers: options.header, metadata: options.metadata, chunkSize: options.chunkSize, parallel: options.parallel, checksum: options.checksum, urlStore: options.resume ? options.urlStore : false },
      reporter,
      controller.signal,
    );
    reporter.close();
    process.exit(status);
  });

program
  .command('info')
  .description('show an upload: offset, length, metadata, expiry (a HEAD request)')
  .argument('<upload-url>')
  .addOption(headerOption())
  .option('--json', 'as one JSON object')
  .action(async (url: string, options: { header: Map<string, string>; json?: boolean }) => {
    await showInfo(url, options.header, Boolean(options.json), out);
  });

program
  .command('delete')
  .description('delete an upload and its bytes (termination)')
  .argument('<upload-url>')
  .addOption(headerOption())
  .action(async (url: string, options: { header: Map<string, string> }) => {
    await terminate(url, { headers: Object.fromEntries(options.header) });
    out(`deleted ${url}`);
  });

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`nestjs-tus: ${error.message}\n`);
  process.exit(1);
});
