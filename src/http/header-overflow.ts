import { STATUS_CODES, maxHeaderSize as nodeMaxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { TUS_VERSION } from '../protocol/tus-headers.js';

const INSTALLED = Symbol.for('nestjs-tus.headerOverflowAnswer');

/** Node's own answers for the other parse errors, which any 'clientError' listener switches off. */
const NODE_ANSWERS: Record<string, number> = { HPE_CHUNK_EXTENSIONS_OVERFLOW: 413, ERR_HTTP_REQUEST_TIMEOUT: 408 };

/**
 * Headers over the server's `maxHeaderSize` are refused by Node's parser before any route runs, with a
 * bare 431 a tus client cannot explain. This gives that 431 the tus header and a one-line remedy; every
 * other client error keeps its handling (Fastify's handler, or Node's default when there is none).
 * Installed once per server, however many tus endpoints it has.
 */
export function answerHeaderOverflow(server: Server): void {
  const marked = server as Server & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      // A server created with its own maxHeaderSize (Fastify's option) keeps it here; else the process-wide one.
      const limit = (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? nodeMaxHeaderSize;
      if (canAnswer(socket)) socket.write(overflowAnswer(limit));
      socket.destroy();
      return;
    }
    if (server.listenerCount('clientError') > 1) return; // another handler (Fastify's) answers
    if (canAnswer(socket)) {
      const status = NODE_ANSWERS[error.code ?? ''] ?? 400;
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy(error);
  });
}

/** As Node checks: nothing of a response on this connection is on the wire yet. */
function canAnswer(socket: Duplex): boolean {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return socket.writable && !socket.destroyed && !inFlight?.headersSent;
}

function overflowAnswer(limit: number): string {
  const reason =
    `the request headers are larger than this server accepts (${limit} bytes in all): send less Upload-Metadata ` +
    `or fewer Upload-Concat parts, or raise the limit (node --max-http-header-size, or Fastify's http: { maxHeaderSize })\n`;
  return (
    `HTTP/1.1 431 ${STATUS_CODES[431]}\r\nTus-Resumable: ${TUS_VERSION}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`
  );
}
