import { describe, expect, it } from 'vitest';
import {
  StructuredFieldError,
  parseBooleanItem,
  parseItem,
  parseDictionary,
  parseNonNegativeIntegerItem,
  serializeIntegerDictionary,
} from '../../src/protocol/http-semantics/structured-field.js';

describe('parseBooleanItem', () => {
  it.each([
    ['?1', true],
    ['?0', false],
    [' ?1 ', true],
    ['?1;x', true],
    ['?0; a=1;b="x;y"', false],
  ])('reads %j as %s', (raw, value) => {
    expect(parseBooleanItem(raw)).toBe(value);
  });

  it.each(['', '1', '0', 'true', 'false', '?', '?2', '?10', '?1 ?0', '?1, ?1', '"?1"', '?1;', '?1;A=1', '? 1', '\t?1'])(
    'refuses %j',
    (raw) => {
      expect(parseBooleanItem(raw)).toBeUndefined();
    },
  );
});

describe('parseNonNegativeIntegerItem', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['-0', 0],
    ['999999999999999', 999_999_999_999_999],
    ['12;unit=bytes', 12],
  ])('reads %j as %d', (raw, value) => {
    expect(parseNonNegativeIntegerItem(raw)).toBe(value);
    expect(Object.is(parseNonNegativeIntegerItem(raw), value)).toBe(true);
  });

  it.each(['', '-1', '+5', '1.0', '1.', '1e3', '0x10', '5 5', '5, 5', '1000000000000000', 'abc', '?1', '"5"', '5;'])('refuses %j', (raw) => {
    expect(parseNonNegativeIntegerItem(raw)).toBeUndefined();
  });
});

describe('parseItem', () => {
  it('parses every bare item type', () => {
    expect(parseItem('-12')).toEqual({ type: 'integer', value: -12 });
    expect(parseItem('4.5')).toEqual({ type: 'decimal', value: 4.5 });
    expect(parseItem('"a \\"b\\" \\\\"')).toEqual({ type: 'string', value: 'a "b" \\' });
    expect(parseItem('*foo/bar:baz')).toEqual({ type: 'token', value: '*foo/bar:baz' });
    expect(parseItem(':aGk=:')).toEqual({ type: 'binary', value: Buffer.from('hi') });
    expect(parseItem('?1')).toEqual({ type: 'boolean', value: true });
  });

  it.each(['1.2345', '1234567890123.4', '"unterminated', '"\\n"', '"\u00e9"', ':not base64!:', ':abc', 'a b', 'ä'])('throws on %j', (raw) => {
    expect(() => parseItem(raw)).toThrow(StructuredFieldError);
  });
});

describe('serializeIntegerDictionary', () => {
  it('writes key=value members separated by ", "', () => {
    expect(serializeIntegerDictionary([['min-size', 0]])).toBe('min-size=0');
    expect(
      serializeIntegerDictionary([
        ['min-size', 0],
        ['max-size', 1024],
        ['max-age', 3600],
      ]),
    ).toBe('min-size=0, max-size=1024, max-age=3600');
  });

  it('refuses keys and values a structured field cannot carry', () => {
    expect(() => serializeIntegerDictionary([['Max-Size', 1]])).toThrow(StructuredFieldError);
    expect(() => serializeIntegerDictionary([['max-size', 1.5]])).toThrow(StructuredFieldError);
    expect(() => serializeIntegerDictionary([['max-size', 10 ** 15]])).toThrow(StructuredFieldError);
  });
});

describe('parseDictionary', () => {
  it('reads digest and preference fields as RFC 9651 does', () => {
    const digest = parseDictionary('sha-256=:aGk=:,  sha-512=:aGk=:;p=1, flag, list=(1 2);q');
    expect([...digest.keys()]).toEqual(['sha-256', 'sha-512', 'flag', 'list']);
    expect(digest.get('sha-256')).toEqual({ type: 'binary', value: Buffer.from('hi') });
    expect(digest.get('flag')).toEqual({ type: 'boolean', value: true });
    expect(digest.get('list')).toEqual({ type: 'inner-list' });
    expect(parseDictionary('sha-256=3,\tsha-512=10').get('sha-512')).toEqual({ type: 'integer', value: 10 });
    expect(parseDictionary('')).toEqual(new Map());
  });

  it('a repeated key keeps its last value (as repeated field lines combine)', () => {
    expect(parseDictionary('sha-256=1, sha-256=2').get('sha-256')).toEqual({ type: 'integer', value: 2 });
  });

  it.each(['sha-256=', 'a=1,', 'a=1 b=2', 'A=1', 'a=(1', 'a=:x!:', ',a=1'])('throws on %j', (raw) => {
    expect(() => parseDictionary(raw)).toThrow(StructuredFieldError);
  });
});
