import { describe, expect, it } from 'vitest';
import { TusError } from '../../src/protocol/tus-error.js';
import { parseUploadMetadata } from '../../src/protocol/uploads/upload-metadata.js';

const limits = { maxSize: 8192, maxPairs: 64 };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('parseUploadMetadata', () => {
  it('decodes pairs as UTF-8 and maps a bare key to null', () => {
    const parsed = parseUploadMetadata(`filename ${b64('résumé.pdf')},is_confidential,empty `, limits);
    expect(parsed).toEqual({ filename: 'résumé.pdf', is_confidential: null, empty: null });
  });

  it('tolerates spaces around pairs', () => {
    expect(parseUploadMetadata(`a ${b64('1')}, b ${b64('2')}`, limits)).toEqual({ a: '1', b: '2' });
  });

  it.each([
    ['bad base64', 'filename not-base64!'],
    ['unpadded base64', 'filename YQ'],
    ['duplicate key', `a ${b64('1')},a ${b64('2')}`],
    ['empty pair', `a ${b64('1')},,b ${b64('2')}`],
    ['three parts', `a ${b64('1')} ${b64('2')}`],
    ['non-ASCII key', `clé ${b64('1')}`],
    ['control character in key', `a\tb ${b64('1')}`],
  ])('refuses %s with 400', (_name, raw) => {
    let error: unknown;
    try {
      parseUploadMetadata(raw, limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TusError);
    expect((error as TusError).status).toBe(400);
  });

  it('refuses a header over the size limit and too many pairs', () => {
    expect(() => parseUploadMetadata(`a ${b64('x'.repeat(100))}`, { maxSize: 50, maxPairs: 64 })).toThrow(/larger than 50 bytes/);
    const many = Array.from({ length: 3 }, (_, i) => `k${i} ${b64('v')}`).join(',');
    expect(() => parseUploadMetadata(many, { maxSize: 8192, maxPairs: 2 })).toThrow(/more than 2 pairs/);
  });

  it('does not let keys reach Object.prototype', () => {
    const parsed = parseUploadMetadata(`__proto__ ${b64('x')},constructor ${b64('y')}`, limits);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
