import { describe, expect, it } from 'vitest';
import { DraftDialect, draftInteropVersion, readBoolean, readInteger, type InteropVersion } from '../../src/protocol/ietf-draft/ietf-draft-fields.js';
import { TusError } from '../../src/protocol/tus-error.js';

describe('draftInteropVersion (which protocol a request speaks)', () => {
  it.each([3, 4, 5, 6, 7, 8, 9])('interop %d is the draft', (version) => {
    expect(draftInteropVersion({ 'upload-draft-interop-version': String(version) })).toBe(version);
  });

  it('reads the value as a structured-field integer', () => {
    expect(draftInteropVersion({ 'upload-draft-interop-version': ' 6 ' })).toBe(6);
    expect(draftInteropVersion({ 'upload-draft-interop-version': '06' })).toBe(6);
    expect(draftInteropVersion({ 'upload-draft-interop-version': '6;x=1' })).toBe(6);
  });

  it.each([undefined, '', '0', '1', '2', '10', '11', '-5', '5.0', 'five', '5, 6', '?1'])('%j is tus v1', (raw) => {
    expect(draftInteropVersion(raw === undefined ? {} : { 'upload-draft-interop-version': raw })).toBeUndefined();
  });

  it('ignores Tus-Resumable: the interop version alone decides', () => {
    expect(draftInteropVersion({ 'tus-resumable': '1.0.0', 'upload-draft-interop-version': '6' })).toBe(6);
    expect(draftInteropVersion({ 'tus-resumable': '1.0.0' })).toBeUndefined();
  });
});

describe('DraftDialect', () => {
  const dialect = (version: InteropVersion) => new DraftDialect(version);

  it('interop 3 speaks Upload-Incomplete, with the inverse meaning, and its absence means complete', () => {
    expect(dialect(3).completeField).toBe('Upload-Incomplete');
    expect(dialect(3).requestCompletes({ 'upload-incomplete': '?1' })).toBe(false);
    expect(dialect(3).requestCompletes({ 'upload-incomplete': '?0' })).toBe(true);
    expect(dialect(3).requestCompletes({})).toBe(true);
    // Upload-Complete is not a field of interop 3.
    expect(dialect(3).requestCompletes({ 'upload-complete': '?0' })).toBe(true);
    expect(dialect(3).completeHeader(true)).toEqual({ 'Upload-Incomplete': '?0' });
    expect(dialect(3).completeHeader(false)).toEqual({ 'Upload-Incomplete': '?1' });
  });

  it.each([4, 5, 6, 7, 8, 9] as const)('interop %d speaks Upload-Complete, undefined when absent', (version) => {
    expect(dialect(version).completeField).toBe('Upload-Complete');
    expect(dialect(version).requestCompletes({ 'upload-complete': '?1' })).toBe(true);
    expect(dialect(version).requestCompletes({ 'upload-complete': '?0' })).toBe(false);
    expect(dialect(version).requestCompletes({})).toBeUndefined();
    expect(dialect(version).requestCompletes({ 'upload-incomplete': '?1' })).toBeUndefined();
    expect(dialect(version).completeHeader(true)).toEqual({ 'Upload-Complete': '?1' });
  });

  it('refuses a completeness field that is not a structured boolean (400)', () => {
    for (const raw of ['1', 'true', '?2', '?1, ?1']) {
      expect(() => dialect(6).requestCompletes({ 'upload-complete': raw })).toThrow(TusError);
      expect(() => dialect(3).requestCompletes({ 'upload-incomplete': raw })).toThrow(TusError);
    }
  });

  it('needs application/partial-upload on appends from interop 6', () => {
    expect([3, 4, 5, 6, 7, 8].map((v) => dialect(v as InteropVersion).appendNeedsPartialUploadType)).toEqual([false, false, false, true, true, true]);
  });

  it('interop 9: GET retrieves the offset, errors say Upload-Complete: ?0, OPTIONS drops Accept-Patch (kept for 6 to 8)', () => {
    const all = [3, 4, 5, 6, 7, 8, 9] as const;
    expect(all.map((v) => dialect(v).getRetrievesOffset)).toEqual([false, false, false, false, false, false, true]);
    expect(all.map((v) => dialect(v).errorsCarryComplete)).toEqual([false, false, false, false, false, false, true]);
    expect(all.map((v) => dialect(v).announcesAcceptPatch)).toEqual([false, false, false, true, true, true, false]);
  });

  it('writes Upload-Limit from interop 6: min-size=0, max-size, then expires (6) or max-age (7+)', () => {
    for (const version of [3, 4, 5] as const) expect(dialect(version).limitHeader({ maxSize: 10, lifetime: 5 })).toEqual({});
    expect(dialect(6).limitHeader({})).toEqual({ 'Upload-Limit': 'min-size=0' });
    expect(dialect(6).limitHeader({ maxSize: 1024, lifetime: 60 })).toEqual({ 'Upload-Limit': 'min-size=0, max-size=1024, expires=60' });
    expect(dialect(7).limitHeader({ lifetime: 60 })).toEqual({ 'Upload-Limit': 'min-size=0, max-age=60' });
    expect(dialect(8).limitHeader({ maxSize: 1024, lifetime: 0 })).toEqual({ 'Upload-Limit': 'min-size=0, max-size=1024, max-age=0' });
  });
});

describe('readBoolean / readInteger', () => {
  it('are undefined for an absent header', () => {
    expect(readBoolean('Upload-Complete', undefined)).toBeUndefined();
    expect(readInteger('Upload-Offset', undefined)).toBeUndefined();
  });

  it('read valid items', () => {
    expect(readBoolean('Upload-Complete', '?1')).toBe(true);
    expect(readInteger('Upload-Offset', '1024')).toBe(1024);
  });

  it.each(['-1', '1.5', 'x', '1, 2', ''])('refuse Upload-Offset %j with a 400 naming the field', (raw) => {
    try {
      readInteger('Upload-Offset', raw);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TusError);
      expect((error as TusError).status).toBe(400);
      expect((error as TusError).message).toContain('Upload-Offset');
    }
  });
});
