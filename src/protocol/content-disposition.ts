/**
 * `Content-Disposition` (RFC 6266) with the client's file name.
 *
 * `filename="…"` is a quoted-string of ASCII, so it carries a fallback: accents dropped, and quotes,
 * backslashes, control characters, other non-ASCII characters and `%` (some user agents
 * percent-decode this parameter, RFC 6266 appendix D) each become `_`. When that fallback is not the
 * name itself, `filename*=UTF-8''…` (RFC 8187, formerly 5987) carries the exact name; user agents
 * that understand it prefer it.
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string | null | undefined): string {
  if (!filename) return kind;
  const fallback = asciiFallback(filename);
  const value = `${kind}; filename="${fallback}"`;
  return fallback === filename ? value : `${value}; filename*=UTF-8''${extValue(filename)}`;
}

function asciiFallback(name: string): string {
  // NFKD splits "ü" into "u" + a combining mark, which is then dropped: "ünïcode" → "unicode".
  const decomposed = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  for (const char of decomposed) {
    const code = char.codePointAt(0)!;
    const plain = code >= 0x20 && code < 0x7f && char !== '"' && char !== '\\' && char !== '%';
    out += plain ? char : '_';
  }
  return out;
}

/** RFC 8187 attr-char, kept as they are; every other UTF-8 byte is percent-encoded. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

function extValue(name: string): string {
  // Buffer turns a lone surrogate into U+FFFD instead of throwing as encodeURIComponent would.
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
