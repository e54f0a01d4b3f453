import { describe, expect, it } from 'vitest';
import { servedType } from '../../src/protocol/http-semantics/served-type.js';

describe('servedType', () => {
  it.each([
    ['image/png', 'image/png'],
    ['IMAGE/JPEG', 'image/jpeg'],
    ['text/plain', 'text/plain'],
    ['text/plain; charset=UTF-8', 'text/plain; charset=utf-8'],
    ['text/plain;charset="utf-8"; format=flowed', 'text/plain; charset=utf-8'],
    ['video/mp4', 'video/mp4'],
    ['application/ogg', 'application/ogg'],
  ])('%s is served as %s, inline', (declared, contentType) => {
    expect(servedType(declared)).toEqual({ contentType, inline: true });
  });

  it.each([
    ['application/pdf', 'application/pdf'],
    ['application/zip', 'application/zip'],
    ['application/json', 'application/json'],
    ['text/csv', 'text/csv'],
    ['image/tiff', 'image/tiff'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['text/plain; charset=x\r\ny', 'text/plain'], // a bad charset is dropped, not passed through
  ])('%s keeps its type but is an attachment', (declared, contentType) => {
    expect(servedType(declared).contentType).toBe(contentType);
    expect(servedType(declared).inline).toBe(declared.startsWith('text/plain'));
  });

  it.each([
    'text/html',
    'TEXT/HTML; charset=utf-8',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/xml',
    'application/xml',
    'text/javascript',
    'application/javascript',
    'application/x-javascript',
    'application/ecmascript',
    'text/css',
    'text/xsl',
    'application/wasm',
    'multipart/x-mixed-replace',
    'message/rfc822',
  ])('active type %s is served as application/octet-stream, as an attachment', (declared) => {
    expect(servedType(declared)).toEqual({ contentType: 'application/octet-stream', inline: false });
  });

  it.each([undefined, null, '', 'png', 'image/', '/png', 'image/png/x', 'image png', 'image/png\r\nSet-Cookie: a=b', 'imäge/png', 'image/p"ng'])(
    'malformed %j → application/octet-stream',
    (declared) => {
      expect(servedType(declared)).toEqual({ contentType: 'application/octet-stream', inline: false });
    },
  );
});
