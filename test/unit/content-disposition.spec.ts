import { describe, expect, it } from 'vitest';
import { contentDisposition, dispositionFilename } from '../../src/protocol/http-semantics/content-disposition.js';

describe('contentDisposition', () => {
  it('is the bare kind without a file name', () => {
    expect(contentDisposition('attachment', undefined)).toBe('attachment');
    expect(contentDisposition('inline', null)).toBe('inline');
    expect(contentDisposition('attachment', '')).toBe('attachment');
  });

  it('quotes a plain ASCII name, without filename*', () => {
    expect(contentDisposition('inline', 'photo.png')).toBe('inline; filename="photo.png"');
    expect(contentDisposition('attachment', "my file (1) [x]; y=z.tar.gz")).toBe(
      `attachment; filename="my file (1) [x]; y=z.tar.gz"`,
    );
  });

  it('gives a non-ASCII name an ASCII fallback (accents dropped) and the exact name in filename*', () => {
    expect(contentDisposition('attachment', 'ünïcode.txt')).toBe(
      `attachment; filename="unicode.txt"; filename*=UTF-8''%C3%BCn%C3%AFcode.txt`,
    );
    expect(contentDisposition('attachment', '报告 2024.pdf')).toBe(
      `attachment; filename="__ 2024.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202024.pdf`,
    );
    // One replacement per character, not per UTF-16 unit or UTF-8 byte.
    expect(contentDisposition('inline', '😀.png')).toBe(`inline; filename="_.png"; filename*=UTF-8''%F0%9F%98%80.png`);
  });

  it('replaces quotes, backslashes, control characters and % in the fallback; filename* keeps them', () => {
    expect(contentDisposition('attachment', 'a"b\\c.txt')).toBe(
      `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`,
    );
    expect(contentDisposition('attachment', 'evil\r\nSet-Cookie: x=1\t\u0000\u007f.txt')).toBe(
      `attachment; filename="evil__Set-Cookie: x=1___.txt"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1%09%00%7F.txt`,
    );
    expect(contentDisposition('attachment', '100%41.txt')).toBe(`attachment; filename="100_41.txt"; filename*=UTF-8''100%2541.txt`);
  });

  it("percent-encodes everything outside RFC 8187 attr-char, including ' ( ) * in filename*", () => {
    const value = contentDisposition('attachment', "é'()*!#$&+-.^_`|~");
    expect(value).toBe(`attachment; filename="e'()*!#$&+-.^_\`|~"; filename*=UTF-8''%C3%A9%27%28%29%2A!#$&+-.^_\`|~`);
  });

  it('never produces a character a header cannot carry', () => {
    const value = contentDisposition('attachment', '\ud800 lone surrogate \u2028 \u00a0 ﬁ');
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    // NFKD also turns a no-break space into a space and the ﬁ ligature into "fi".
    expect(value).toContain('filename="_ lone surrogate _   fi"');
  });
});

describe('dispositionFilename', () => {
  it.each([
    ['inline; filename="photo.png"', 'photo.png'],
    ['attachment; filename=photo.png', 'photo.png'],
    ['inline;filename="a \\"b\\".txt"', 'a "b".txt'],
    [`inline; filename="file name.jpg"; filename*=UTF-8''file%20name.jpg`, 'file name.jpg'],
    [`inline; filename="fallback.txt"; filename*=utf-8'en'%C3%BCn%C3%AFcode.txt`, 'ünïcode.txt'],
    [`inline; filename*=ISO-8859-1''caf%E9.txt`, 'café.txt'],
    ['INLINE; FileName="x.bin"', 'x.bin'],
  ])('reads %j', (raw, name) => {
    expect(dispositionFilename(raw)).toBe(name);
  });

  it('falls back to filename when filename* cannot be decoded', () => {
    expect(dispositionFilename(`inline; filename="plain.txt"; filename*=UTF-8''%FF%FE`)).toBe('plain.txt');
    expect(dispositionFilename(`inline; filename="plain.txt"; filename*=KOI8-R''x`)).toBe('plain.txt');
    expect(dispositionFilename(`inline; filename="plain.txt"; filename*=UTF-8''%G1`)).toBe('plain.txt');
  });

  it.each([undefined, '', 'inline', 'inline; filename', 'inline; filename="unterminated', 'inline; filename=a b', '; filename=x', 'inline; filename=a; filename=b'])(
    'finds none in %j',
    (raw) => {
      expect(dispositionFilename(raw)).toBeUndefined();
    },
  );
});
