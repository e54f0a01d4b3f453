import { describe, expect, it } from 'vitest';
import {
  StructuredFieldError,
  parseBooleanItem,
  parseItem,
  parseNonNegativeIntegerItem,
  serializeIntegerDictionary,
} from '../../src/protocol/structured-field.js';

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
