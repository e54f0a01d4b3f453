// Running tus-js-client 4 (Node build) in tests: one upload to completion with every request it sends
// recorded, and an in-memory URL storage for resuming.
import { Readable } from 'node:stream';
import * as tus from 'tus-js-client';
import { expect } from 'vitest';

export interface Sent {
  method: string;
  offset?: string;
  length?: string;
  override?: string;
  /** The IETF-draft fields (protocol: 'ietf-draft-03' / 'ietf-draft-05'). */
  interop?: string;
  complete?: string;
  contentType?: string;
  tusResumable?: string;
}

/** tus-js-client's options; 4.3.1's typings lack `protocol`, which its code reads (lib/upload.js). */
export type UploadOptions = NonNullable<ConstructorParameters<typeof tus.Upload>[1]> & {
  protocol?: 'tus-v1' | 'ietf-draft-03' | 'ietf-draft-05';
};
export type UploadInput = ConstructorParameters<typeof tus.Upload>[0];

/**
 * Runs one tus-js-client upload to completion (or error); records every request it sends.
 * `prepare` runs before start() (e.g. to pick a previous upload to resume).
 */
export function runUpload(
  input: UploadInput,
  options: UploadOptions,
  sent: Sent[] = [],
  prepare?: (upload: tus.Upload) => Promise<void>,
) {
  let upload!: tus.Upload;
  const done = new Promise<tus.Upload>((resolve, reject) => {
    upload = new tus.Upload(input, {
      retryDelays: null,
      ...options,
      onBeforeRequest: async (req) => {
        sent.push({
          method: req.getMethod(),
          offset: req.getHeader('Upload-Offset'),
          length: req.getHeader('Upload-Length'),
          override: req.getHeader('X-HTTP-Method-Override'),
          interop: req.getHeader('Upload-Draft-Interop-Version'),
          complete: req.getHeader('Upload-Complete'),
          contentType: req.getHeader('Content-Type'),
          tusResumable: req.getHeader('Tus-Resumable'),
        });
        await options.onBeforeRequest?.(req);
      },
      onSuccess: () => resolve(upload),
      onError: (error) => reject(error),
    });
  });
  const started = Promise.resolve(prepare?.(upload)).then(() => upload.start());
  return { upload, done: started.then(() => done), sent };
}

export function idOf(uploadUrl: string | null): string {
  expect(uploadUrl).toBeTruthy();
  const id = new URL(uploadUrl!).pathname.split('/').pop()!;
  expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  return id;
}

/** A URL storage in memory (the Node build has none by default). */
export class MemoryUrlStorage {
  private readonly entries = new Map<string, { fingerprint: string; upload: any }>();
  private next = 0;
  async findAllUploads() {
    return [...this.entries.entries()].map(([key, e]) => ({ ...e.upload, urlStorageKey: key }));
  }
  async findUploadsByFingerprint(fingerprint: string) {
    return (await this.findAllUploads()).filter((u) => this.entries.get(u.urlStorageKey)!.fingerprint === fingerprint);
  }
  async removeUpload(key: string) {
    this.entries.delete(key);
  }
  async addUpload(fingerprint: string, upload: any) {
    const key = `tus::${fingerprint}::${this.next++}`;
    this.entries.set(key, { fingerprint, upload });
    return key;
  }
}

/**
 * tus-js-client's Node HTTP stack with PATCH bodies sent at about `bytesPerSecond` (a slow client on a
 * real network), in 64 KiB pieces. Everything else is the default stack's.
 */
export function throttledHttpStack(bytesPerSecond: number): tus.HttpStack {
  const inner = new tus.DefaultHttpStack({});
  const piece = 64 * 1024;
  return {
    getName: () => 'ThrottledNodeHttpStack',
    createRequest(method, url) {
      const request = inner.createRequest(method, url);
      const send = request.send.bind(request);
      request.send = (body) => {
        if (method !== 'PATCH' || !(body instanceof Uint8Array)) return send(body);
        const bytes = body;
        const source = Readable.from(
          (async function* () {
            for (let at = 0; at < bytes.length; at += piece) {
              yield Buffer.from(bytes.subarray(at, at + piece));
              await new Promise((resolve) => setTimeout(resolve, (piece / bytesPerSecond) * 1000));
            }
          })(),
        );
        return send(source);
      };
      return request;
    },
  };
}
