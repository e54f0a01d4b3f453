import { createHash } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import type { HttpRequest, HttpResponse, HttpStack } from 'tus-js-client';

/** A file slice as tus-js-client's Node file source hands it to the HTTP stack. */
type FileSlice = ReadStream & { path: string | Buffer; start?: number; end?: number };

async function digestOf(algorithm: string, body: unknown): Promise<string | undefined> {
  if (body instanceof Uint8Array) return body.length === 0 ? undefined : createHash(algorithm).update(body).digest('base64');
  if (body instanceof ReadStream) {
    // Read the slice once more from disk to hash it: the header must precede the body, and the
    // stream itself is still unread (it is paused until the request pipes it).
    const slice = body as FileSlice;
    const hash = createHash(algorithm);
    for await (const chunk of createReadStream(slice.path, { start: slice.start, end: slice.end })) hash.update(chunk as Buffer);
    return hash.digest('base64');
  }
  if (body === null || body === undefined) return undefined;
  throw new Error('checksums need a file, a Buffer or a stream with a chunkSize');
}

/**
 * tus-js-client sends no checksums and its onBeforeRequest hook cannot see the body, so this HTTP stack
 * adds `Upload-Checksum: <algorithm> <base64 digest>` to every request with a body, around another stack.
 */
export class ChecksumHttpStack implements HttpStack {
  constructor(
    private readonly algorithm: string,
    private readonly inner: HttpStack,
  ) {}

  createRequest(method: string, url: string): HttpRequest {
    const request = this.inner.createRequest(method, url);
    const { algorithm } = this;
    let aborted = false; // an abort while hashing must not let the request go out afterwards
    return {
      getMethod: () => request.getMethod(),
      getURL: () => request.getURL(),
      setHeader: (name, value) => request.setHeader(name, value),
      getHeader: (name) => request.getHeader(name),
      setProgressHandler: (handler) => request.setProgressHandler(handler),
      abort: () => {
        aborted = true;
        return request.abort();
      },
      getUnderlyingObject: () => request.getUnderlyingObject(),
      async send(body: unknown): Promise<HttpResponse> {
        const digest = await digestOf(algorithm, body);
        if (aborted) throw new Error('request aborted');
        if (digest) request.setHeader('Upload-Checksum', `${algorithm} ${digest}`);
        return request.send(body);
      },
    };
  }

  getName(): string {
    return `ChecksumHttpStack(${this.inner.getName()})`;
  }
}
