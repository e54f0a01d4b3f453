import { stat } from 'node:fs/promises';
import { metadata, upload, type UploadOptions } from '../client/index.js';
import type { Reporter } from './reporter.js';

export interface UploadCommandOptions {
  endpoint: string;
  headers: Map<string, string>;
  metadata: Map<string, string>;
  chunkSize?: number;
  parallel?: number;
  checksum?: string;
  urlStore?: string | false;
}

/**
 * Uploads the files one after the other; a failure does not stop the next file. Resolves with the exit
 * status: 0 all done, 1 any failed, 130 interrupted (the signal aborted).
 */
export async function uploadFiles(files: string[], options: UploadCommandOptions, reporter: Reporter, signal: AbortSignal): Promise<number> {
  const headers = Object.fromEntries(options.headers);
  let status = 0;
  for (const file of files) {
    const name = file;
    let url: string | undefined;
    let total: number | undefined;
    const uploadOptions: UploadOptions = {
      headers,
      metadata: Object.fromEntries(options.metadata),
      chunkSize: options.chunkSize,
      parallel: options.parallel,
      checksum: options.checksum,
      urlStore: options.urlStore,
      signal,
      onUploadUrl: (known) => (url = known),
      onResume: (known, offset) => reporter.resume(name, known, offset),
      onProgress: (sent, bytesTotal) => {
        if (total === undefined && bytesTotal !== undefined) total = bytesTotal;
        reporter.progress(name, sent, bytesTotal);
      },
    };
    try {
      reporter.start(name, await stat(file).then((info) => info.size, () => undefined));
      reporter.done(name, await upload(options.endpoint, file, uploadOptions));
    } catch (error) {
      if (signal.aborted) {
        // What the server kept, so the user knows what the next run continues from.
        const info = url ? await metadata(url, { headers, retry: false, signal: AbortSignal.timeout(3000) }).catch(() => undefined) : undefined;
        reporter.interrupted(name, url, info?.offset, info?.length ?? total);
        return 130;
      }
      reporter.failed(name, error as Error);
      status = 1;
    }
  }
  return status;
}
