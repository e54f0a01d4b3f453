// RedisLocker without a server: option checks, and Redis stays optional (nothing in src imports ioredis).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisLocker, type RedisLockerClient } from '../../src/index.js';

const fakeClient: RedisLockerClient = {
  eval: async () => null,
  publish: async () => 0,
  duplicate: () => ({ psubscribe: async () => undefined, on: () => undefined, disconnect: () => undefined }),
};

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

describe('RedisLocker (no server)', () => {
  it('refuses a missing or unsuitable client, and a bad ttl or prefix', () => {
    expect(() => new RedisLocker(undefined as never)).toThrow(/client/);
    expect(() => new RedisLocker({ client: {} as never })).toThrow(/missing eval, publish, duplicate/);
    expect(() => new RedisLocker({ client: fakeClient, ttl: 50 })).toThrow(/ttl/);
    expect(() => new RedisLocker({ client: fakeClient, ttl: 1.5e3 + 0.5 })).toThrow(/ttl/);
    expect(() => new RedisLocker({ client: fakeClient, keyPrefix: 1 as never })).toThrow(/keyPrefix/);
    expect(new RedisLocker({ client: fakeClient })).toBeInstanceOf(RedisLocker);
  });

  it('makes no connection until a lock is asked for, and close() without one is fine', async () => {
    let duplicated = 0;
    const locker = new RedisLocker({ client: { ...fakeClient, duplicate: () => (duplicated++, fakeClient.duplicate()) } });
    await locker.onModuleDestroy();
    expect(duplicated).toBe(0);
  });

  it('keeps Redis optional: no file under src imports ioredis (the client is a structural type)', async () => {
    const files = await sourceFiles(path.resolve('src'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toMatch(/(from\s+|import\s*\(\s*|require\s*\(\s*)['"](ioredis|redis)['"]/);
    }
  });
});
