import { HttpException, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { TusError } from '../protocol/tus-error.js';
import { draftInteropVersion } from '../protocol/ietf-draft/ietf-draft-fields.js';
import { TUS_VERSION } from '../protocol/tus-headers.js';
import type { TusResponse } from '../protocol/tus-request.js';
import type { CorsPolicy } from './cors-policy.js';
import { nodeRequest, takeNodeResponse, type FrameworkReply, type FrameworkRequest } from './framework-request.js';

/**
 * Writes tus answers, successes and errors alike, with the headers every tus response carries:
 * `Tus-Resumable` (for a request of the IETF draft: `Upload-Draft-Interop-Version` instead),
 * `X-Content-Type-Options` and CORS.
 */
export class TusResponder {
  private readonly logger = new Logger('TusModule');

  constructor(private readonly cors: CorsPolicy) {}

  async send(req: FrameworkRequest, reply: FrameworkReply, response: TusResponse): Promise<void> {
    const raw = nodeRequest(req);
    const res = takeNodeResponse(reply);
    if (res.headersSent || res.destroyed) return;
    this.writeHead(raw, res, response.status, response.headers);
    const body = response.body;
    if (body === undefined || typeof body === 'string' || raw.method === 'HEAD') {
      if (typeof body !== 'string' && body !== undefined) body.destroy();
      if (raw.method !== 'HEAD') res.end(body);
      else endHead(res, 0);
      return;
    }
    try {
      await pipeline(body, res);
    } catch {
      // The client went away mid-download; nothing to answer.
    }
  }

  /** Turns any error (tus rule, guard rejection, user handler's HttpException, bug) into a tus answer. */
  sendError(req: FrameworkRequest, reply: FrameworkReply, error: unknown): void {
    const raw = nodeRequest(req);
    const res = takeNodeResponse(reply);
    const { status, message, headers } = this.describe(error, raw);
    if (res.headersSent) {
      // Too late for a status line: end the exchange so the client sees a failure and resumes.
      res.destroy();
      return;
    }
    this.writeHead(raw, res, status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    const text = `${message}\n`;
    if (raw.method !== 'HEAD') res.end(text);
    else endHead(res, Buffer.byteLength(text));
  }

  private describe(error: unknown, raw: IncomingMessage): { status: number; message: string; headers: Record<string, string> } {
    if (error instanceof TusError) return { status: error.status, message: error.message, headers: error.headers };
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const text =
        typeof body === 'string'
          ? body
          : ([] as unknown[]).concat((body as { message?: unknown }).message ?? error.message).join('; ');
      return { status: error.getStatus(), message: oneLine(text), headers: {} };
    }
    this.logger.error(`${raw.method} ${raw.url} failed: ${(error as Error)?.stack ?? String(error)}`);
    return { status: 500, message: 'internal server error; the upload can be resumed', headers: {} };
  }

  private writeHead(raw: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>): void {
    res.statusCode = status;
    // Each protocol names its version on every answer, errors and guard rejections included; a draft
    // answer must not claim to be tus: it carries no Tus-Resumable.
    const draftVersion = draftInteropVersion(raw.headers);
    if (draftVersion === undefined) res.setHeader('Tus-Resumable', TUS_VERSION);
    else res.setHeader('Upload-Draft-Interop-Version', String(draftVersion));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    for (const [name, value] of Object.entries(this.cors.headers(raw.headers, raw.method ?? ''))) res.setHeader(name, value);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    // A body we did not read to the end cannot be skipped on a kept-alive connection.
    if (hasUnreadBody(raw)) res.setHeader('Connection', 'close');
  }
}

/**
 * Ends a HEAD answer with framing. Node sends neither Content-Length nor chunking for HEAD, and its own
 * client then takes the answer to end with the connection and never reuses it. Unless the answer names
 * its length (the engine's HEAD does), it is that of the content a GET would carry: `getLength`.
 * 204 and 304 are framed by their status and must not carry Content-Length (RFC 9110 §8.6).
 */
function endHead(res: ServerResponse, getLength: number): void {
  const framedByStatus = res.statusCode === 204 || res.statusCode === 304;
  if (!framedByStatus && !res.hasHeader('Content-Length')) res.setHeader('Content-Length', String(getLength));
  res.end();
}

function hasUnreadBody(raw: IncomingMessage): boolean {
  if (raw.readableEnded) return false;
  const length = raw.headers['content-length'];
  return length !== undefined ? length !== '0' : raw.headers['transfer-encoding'] !== undefined;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1000);
}
