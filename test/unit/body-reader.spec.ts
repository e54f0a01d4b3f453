import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodyReader } from '../../src/protocol/uploads/body-reader.js';

async function collect(reader: BodyReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const batch of reader) parts.push(...batch);
  return Buffer.concat(parts);
}

const options = (over: Partial<ConstructorParameters<typeof BodyReader>[1]> = {}) => ({
  limit: Number.MAX_SAFE_INTEGER,
  idleTimeout: 0,
  signal: new AbortController().signal,
  ...over,
});

describe('BodyReader', () => {
  it('delivers every byte of a body that ends', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options());
    const done = collect(reader);
    body.write('hello ');
    body.end('world');
    expect((await done).toString()).toBe('hello world');
    expect(reader.end).toBe('complete');
    expect(reader.bytesRead).toBe(11);
  });

  it('cuts at the limit and reports an overrun', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options({ limit: 4 }));
    const done = collect(reader);
    body.end('abcdefgh');
    expect((await done).toString()).toBe('abcd');
    expect(reader.end).toBe('overrun');
  });

  it('a body exactly at the limit is complete', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options({ limit: 4 }));
    const done = collect(reader);
    body.end('abcd');
    expect((await done).toString()).toBe('abcd');
    expect(reader.end).toBe('complete');
  });

  it('keeps what arrived when the body is destroyed', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options());
    const done = collect(reader);
    body.write('abc');
    await new Promise((r) => setImmediate(r));
    body.destroy(new Error('socket hang up'));
    expect((await done).toString()).toBe('abc');
    expect(reader.end).toBe('aborted');
  });

  it('ends an idle body and keeps its bytes', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options({ idleTimeout: 30 }));
    const done = collect(reader);
    body.write('abc');
    expect((await done).toString()).toBe('abc');
    expect(reader.end).toBe('idle');
  });

  it('stops when interrupted by a newer request', async () => {
    const body = new PassThrough();
    const interrupt = new AbortController();
    const reader = new BodyReader(body, options({ signal: interrupt.signal }));
    const done = collect(reader);
    body.write('abc');
    await new Promise((r) => setImmediate(r));
    interrupt.abort();
    body.write('def');
    expect((await done).toString()).toBe('abc');
    expect(reader.end).toBe('interrupted');
  });

  it('reads nothing when interrupted before it starts', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    const body = new PassThrough();
    body.write('abc');
    const reader = new BodyReader(body, options({ signal: interrupt.signal }));
    expect((await collect(reader)).length).toBe(0);
    expect(reader.end).toBe('interrupted');
  });

  it('batches what piles up while the consumer is busy', async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body, options());
    const batches: number[] = [];
    const done = (async () => {
      for await (const batch of reader) {
        batches.push(batch.length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    body.write('a');
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 10; i++) body.write('b');
    body.end();
    await done;
    expect(batches[0]).toBe(1);
    expect(batches.slice(1).reduce((a, b) => a + b, 0)).toBe(10);
    expect(batches.length).toBeLessThan(11);
  });

  describe('data-rate floor', () => {
    // Fake timers for the interval only: stream events still run on the real nextTick/setImmediate.
    const useClock = () => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const flush = () => new Promise((r) => setImmediate(r));
    afterEach(() => vi.useRealTimers());

    it('ends a body that brings fewer bytes than the floor in an interval, keeping them', async () => {
      useClock();
      const body = new PassThrough();
      const reader = new BodyReader(body, options({ minRate: { bytes: 4, interval: 1000 } }));
      const done = collect(reader);
      body.write('ab');
      await flush();
      vi.advanceTimersByTime(1000);
      expect((await done).toString()).toBe('ab');
      expect(reader.end).toBe('slow');
    });

    it('a body that keeps to the floor in every interval is read to its end', async () => {
      useClock();
      const body = new PassThrough();
      const reader = new BodyReader(body, options({ minRate: { bytes: 4, interval: 1000 } }));
      const done = collect(reader);
      for (let i = 0; i < 3; i++) {
        body.write('abcd');
        await flush();
        vi.advanceTimersByTime(1000);
      }
      body.end('e');
      expect((await done).toString()).toBe('abcdabcdabcde');
      expect(reader.end).toBe('complete');
    });

    it('an interval in which the store held the socket paused does not count against the client', async () => {
      useClock();
      const body = new PassThrough();
      const reader = new BodyReader(body, options({ minRate: { bytes: 4, interval: 1000 } }));
      let release!: () => void;
      const storeBusy = new Promise<void>((r) => (release = r));
      let total = 0;
      const done = (async () => {
        for await (const batch of reader) {
          for (const b of batch) total += b.length;
          await storeBusy; // the store is slow with the first batch
        }
      })();
      body.write('a'); // the first batch: the store is busy with it from now on
      await flush();
      body.write(Buffer.alloc(512 * 1024)); // past the high-water mark meanwhile: the reader pauses the socket
      await flush();
      expect(body.isPaused()).toBe(true);
      vi.advanceTimersByTime(3000);
      expect(reader.end).toBeUndefined();
      release();
      body.end();
      await done;
      expect(reader.end).toBe('complete');
      expect(total).toBe(512 * 1024 + 1);
    });
  });
});
