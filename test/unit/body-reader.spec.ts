import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyReader } from '../../src/protocol/body-reader.js';

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
});
