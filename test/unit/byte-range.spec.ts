import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/protocol/http-semantics/byte-range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-4', 11, 0, 4],
    ['bytes=3-5', 11, 3, 5],
    ['bytes=10-10', 11, 10, 10],
    ['bytes=6-', 11, 6, 10],
    ['bytes=0-', 11, 0, 10],
    ['bytes=-3', 11, 8, 10],
    ['bytes=-11', 11, 0, 10],
    ['bytes=-500', 11, 0, 10], // longer than the body: all of it
    ['bytes=5-500', 11, 5, 10], // last position past the end: to the end
    ['bytes=0-99999999999999999999999', 11, 0, 10],
    ['Bytes=1-2', 11, 1, 2], // the unit is case-insensitive
    ['bytes= 1-2 ', 11, 1, 2],
    ['bytes=1-2,', 11, 1, 2], // an empty list element is not a second range
    ['bytes=0-0', 1, 0, 0],
  ])('%s of %i bytes → %i-%i', (header, total, start, end) => {
    expect(parseRange(header, total)).toEqual({ kind: 'partial', start, end });
  });

  it.each([
    ['bytes=11-', 11],
    ['bytes=11-20', 11],
    ['bytes=99999999999999999999999-', 11],
    ['bytes=-0', 11],
    ['bytes=0-', 0],
    ['bytes=0-0', 0],
    ['bytes=-5', 0], // an empty body has no last bytes
  ])('%s of %i bytes → unsatisfiable', (header, total) => {
    expect(parseRange(header, total)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    [undefined],
    [''],
    ['bytes'],
    ['bytes='],
    ['bytes=,'],
    ['bytes=5-2'], // invalid (last < first): ignored, not 416
    ['bytes=a-b'],
    ['bytes=1-2-3'],
    ['bytes=+1-2'],
    ['bytes=1.5-2'],
    ['bytes=--1'],
    ['bytes=-'],
    ['bytes 0-4'],
    ['items=0-4'], // another unit
    ['bytes=0-1,3-4'], // several ranges: the whole body
    ['bytes=0-1, 20-30'],
    ['bytes=20-30,40-50'], // several, even unsatisfiable ones
  ])('%j → the whole body', (header) => {
    expect(parseRange(header, 11)).toEqual({ kind: 'whole' });
  });

  it('a repeated Range header (joined by Node, or as an array) is several ranges', () => {
    expect(parseRange(['bytes=0-1', 'bytes=2-3'], 11)).toEqual({ kind: 'whole' });
  });
});
