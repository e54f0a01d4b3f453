import { describe, expect, it } from 'vitest';
import { ExpiryPolicy } from '../../src/protocol/uploads/expiry-policy.js';
import type { StoredUpload } from '../../src/storage/upload-store.js';

const upload = (over: Partial<StoredUpload>): StoredUpload => ({
  id: 'x',
  length: 10,
  offset: 0,
  metadata: {},
  createdAt: 1_000,
  updatedAt: 1_000,
  ...over,
});

describe('ExpiryPolicy', () => {
  it('expires incomplete uploads after inactivity, counted from the last byte', () => {
    const policy = new ExpiryPolicy(100, 0);
    expect(policy.isExpired(upload({ updatedAt: 1_000 }), 1_099)).toBe(false);
    expect(policy.isExpired(upload({ updatedAt: 1_000 }), 1_100)).toBe(true);
    expect(policy.header(upload({ updatedAt: 0 }))).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('keeps completed uploads forever by default, and sends no Upload-Expires for them', () => {
    const policy = new ExpiryPolicy(100, 0);
    const done = upload({ offset: 10 });
    expect(policy.isExpired(done, 10 ** 12)).toBe(false);
    expect(policy.header(done)).toBeUndefined();
  });

  it('removes completed uploads after their retention', () => {
    const policy = new ExpiryPolicy(100, 500);
    expect(policy.isExpired(upload({ offset: 10 }), 1_499)).toBe(false);
    expect(policy.isExpired(upload({ offset: 10 }), 1_500)).toBe(true);
  });

  it('deferred-length uploads are incomplete', () => {
    const policy = new ExpiryPolicy(100, 0);
    expect(policy.isExpired(upload({ length: undefined, offset: 10 }), 1_100)).toBe(true);
  });

  it('never expires anything with 0', () => {
    const policy = new ExpiryPolicy(0, 0);
    expect(policy.enabled).toBe(false);
    expect(policy.isExpired(upload({}), 10 ** 12)).toBe(false);
    expect(policy.header(upload({}))).toBeUndefined();
  });
});
