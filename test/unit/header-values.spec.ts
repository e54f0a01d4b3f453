import { describe, expect, it } from 'vitest';
import { checkTusResumable, mediaType, parseByteCount } from '../../src/protocol/http-semantics/header-values.js';
import { TusError } from '../../src/protocol/tus-error.js';

describe('parseByteCount', () => {
  it.each([
    ['0', 0],
    ['5', 5],
    ['1234567890', 1234567890],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('accepts %s', (raw, value) => {
    expect(parseByteCount('Upload-Length', raw)).toBe(value);
  });

  it('returns undefined when the header is absent', () => {
    expect(parseByteCount('Upload-Length', undefined)).toBeUndefined();
  });

  it.each(['', '-1', '+5', '007', '00', '1e3', '1.0', '0x10', ' 5', '5 ', 'abc', '5, 5', '9007199254740992', '99999999999999999999'])(
    'refuses %j with a 400 naming the header',
    (raw) => {
      const error = catchError(() => parseByteCount('Upload-Offset', raw));
      expect(error).toBeInstanceOf(TusError);
      expect(error.status).toBe(400);
      expect(error.message).toContain('Upload-Offset');
    },
  );
});

describe('checkTusResumable', () => {
  it('accepts 1.0.0', () => {
    expect(() => checkTusResumable('1.0.0', true)).not.toThrow();
  });

  it('lets a missing header pass only where it is optional', () => {
    expect(() => checkTusResumable(undefined, false)).not.toThrow();
    const error = catchError(() => checkTusResumable(undefined, true));
    expect(error.status).toBe(412);
    expect(error.headers['Tus-Version']).toBe('1.0.0');
  });

  it.each(['0.2.2', '1.0', '2.0.0', '1.0.0, 1.0.0'])('answers 412 with Tus-Version to %s', (raw) => {
    const error = catchError(() => checkTusResumable(raw, false));
    expect(error.status).toBe(412);
    expect(error.headers['Tus-Version']).toBe('1.0.0');
  });
});

describe('mediaType', () => {
  it('compares the essence, ignoring case and parameters', () => {
    expect(mediaType('Application/Offset+Octet-Stream; charset=utf-8')).toBe('application/offset+octet-stream');
    expect(mediaType(undefined)).toBeUndefined();
  });
});

function catchError(fn: () => unknown): TusError {
  try {
    fn();
  } catch (error) {
    return error as TusError;
  }
  throw new Error('expected an error');
}
