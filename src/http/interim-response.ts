import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';

/** What a Node response may offer for interim answers beyond 100, 102 and 103. */
interface InterimCapable {
  /** Any 1xx with headers: nodejs/node#63155 (2026); absent from older releases. */
  writeInformation?(status: number, headers: Record<string, string>): void;
  /** Private, but what Node's own writeContinue / writeEarlyHints write through on HTTP/1.1. */
  _writeRaw?(data: string, encoding: BufferEncoding): boolean;
  /** HTTP/2 compatibility responses: the stream's public API sends any 1xx as an extra HEADERS frame. */
  stream?: { additionalHeaders?(headers: Record<string, string | number>): void };
}

// Reason phrases Node does not know (its table stops at the registered codes).
const REASONS: Record<number, string> = { 104: 'Upload Resumption Supported' };

/**
 * Writes an interim (1xx) answer ahead of the final one and tells whether it went out. Node's
 * `writeInformation` is used where the running Node has it; otherwise HTTP/2 uses the stream's
 * `additionalHeaders` and HTTP/1.1 writes the status line and headers raw (as Node writes 103 Early
 * Hints). Nothing is sent (false) to an HTTP/1.0 client (it must never get a 1xx), once the final
 * answer has started, when a header value is not sendable, or where no way exists.
 */
export function sendInterim(raw: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>): boolean {
  if (status < 100 || status > 199 || status === 101) return false;
  if (res.headersSent || res.writableEnded || res.destroyed) return false;
  if (raw.httpVersionMajor === 1 && raw.httpVersionMinor === 0) return false;
  const writer = res as ServerResponse & InterimCapable;
  try {
    for (const [name, value] of Object.entries(headers)) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }
    if (typeof writer.writeInformation === 'function') {
      writer.writeInformation(status, headers);
      return true;
    }
    if (raw.httpVersionMajor === 2 && typeof writer.stream?.additionalHeaders === 'function') {
      const frame: Record<string, string | number> = { ':status': status };
      for (const [name, value] of Object.entries(headers)) frame[name.toLowerCase()] = value;
      writer.stream.additionalHeaders(frame);
      return true;
    }
    if (raw.httpVersionMajor !== 1 || typeof writer._writeRaw !== 'function') return false;
    let head = `HTTP/1.1 ${status} ${REASONS[status] ?? STATUS_CODES[status] ?? 'Information'}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    writer._writeRaw(`${head}\r\n`, 'latin1');
    return true;
  } catch {
    // An interim answer is a courtesy: failing to send one must not fail the request.
    return false;
  }
}
