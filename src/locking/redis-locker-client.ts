/**
 * The few commands `RedisLocker` needs. An ioredis `Redis` instance (v5 or v6) fits as it is, so
 * nestjs-tus never imports ioredis: the application owns the client and its connection settings.
 */
export interface RedisLockerClient {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** A new connection with the same settings; the locker subscribes on it and closes it in `close()`. */
  duplicate(): RedisLockerSubscriber;
}

/** The connection the locker subscribes on (made by `client.duplicate()`, owned by the locker). */
export interface RedisLockerSubscriber {
  psubscribe(...patterns: string[]): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  disconnect(): void;
}
