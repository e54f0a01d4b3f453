import { describe, expect, it } from 'vitest';
import type { StoredUpload } from '../../src/storage/upload-store.js';
import { entityTag, httpDate, ifRangeHolds, noneMatch } from '../../src/protocol/http-semantics/validators.js';

const upload = (over: Partial<StoredUpload> = {}): StoredUpload => ({
  id: 'abc',
  length: 10,
  offset: 10,
  metadata: {},
  createdAt: 1_000,
  updatedAt: 2_000,
  ...over,
});

describe('download validators', () => {
  it('entityTag is a quoted strong tag that changes with offset, length, update time and id', () => {
    const tag = entityTag(upload());
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(entityTag(upload())).toBe(tag);
    for (const other of [upload({ offset: 9 }), upload({ length: undefined }), upload({ updatedAt: 2_001 }), upload({ id: 'abd' })]) {
      expect(entityTag(other)).not.toBe(tag);
    }
  });

  it('httpDate is an IMF-fixdate', () => {
    expect(httpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('noneMatch: weak comparison over a list, * matches', () => {
    const tag = '"abc"';
    expect(noneMatch(undefined, tag)).toBe(false);
    expect(noneMatch('"abc"', tag)).toBe(true);
    expect(noneMatch('W/"abc"', tag)).toBe(true);
    expect(noneMatch('"x", "y,z", W/"abc"', tag)).toBe(true);
    expect(noneMatch('*', tag)).toBe(true);
    expect(noneMatch('"abcd"', tag)).toBe(false);
    expect(noneMatch('abc', tag)).toBe(false);
  });

  it('ifRangeHolds: strong tag match, or the exact Last-Modified when dates are strong', () => {
    const tag = '"abc"';
    const date = 'Thu, 01 Jan 1970 00:00:02 GMT';
    expect(ifRangeHolds(undefined, tag, date, true)).toBe(true);
    expect(ifRangeHolds('"abc"', tag, date, true)).toBe(true);
    expect(ifRangeHolds('"abd"', tag, date, true)).toBe(false);
    expect(ifRangeHolds('W/"abc"', tag, date, true)).toBe(false);
    expect(ifRangeHolds(date, tag, date, true)).toBe(true);
    expect(ifRangeHolds(date, tag, date, false)).toBe(false);
    expect(ifRangeHolds('Thu, 01 Jan 1970 00:00:03 GMT', tag, date, true)).toBe(false);
    expect(ifRangeHolds('Thursday, 01-Jan-70 00:00:02 GMT', tag, date, true)).toBe(false);
    expect(ifRangeHolds('garbage', tag, date, true)).toBe(false);
  });
});
