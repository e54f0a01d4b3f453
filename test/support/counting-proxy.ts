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

export async function startCountingProxy(target: string): Promise<CountingProxy> {
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
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      perConnection[index] += chunk.length;
    });
    // Either side going away ends the other at once (a client's abort must reach the server as one).
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream);
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
