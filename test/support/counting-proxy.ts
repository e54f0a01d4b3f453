// A TCP proxy in front of a test server that counts the bytes clients send through it (request heads
// and bodies), so a test can tell how much of a file a client really transferred, retries included.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Bytes received from clients so far. */
  readonly received: number;
  /** Bytes received on each connection so far, in the order they were opened. */
  readonly perConnection: readonly number[];
  stop(): Promise<void>;
}

export interface CountingProxyOptions {
  /**
   * Bytes of connection `index` (in opening order) passed on to the server; the rest is counted and
   * dropped, as a network that delivered only that much before the client went away. Unlimited when undefined.
   */
  forwardAtMost?: (index: number) => number | undefined;
  /** Called once when connection `index` has sent all that {@link forwardAtMost} passes on. */
  onForwardLimit?: (index: number) => void;
}

export async function startCountingProxy(target: string, options: CountingProxyOptions = {}): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  let received = 0;
  const perConnection: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const index = perConnection.push(0) - 1;
    const limit = options.forwardAtMost?.(index) ?? Infinity;
    let limitReached = false;
    client.on('data', (chunk: Buffer) => {
      const forwardable = Math.max(0, Math.min(chunk.length, limit - perConnection[index]));
      received += chunk.length;
      perConnection[index] += chunk.length;
      if (forwardable < chunk.length && !limitReached) {
        limitReached = true;
        options.onForwardLimit?.(index);
      }
      if (forwardable > 0 && !upstream.write(forwardable === chunk.length ? chunk : chunk.subarray(0, forwardable))) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    client.once('end', () => upstream.end());
    // Either side going away ends the other at once (a client's abort must reach the server as one).
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get received() {
      return received;
    },
    perConnection,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
