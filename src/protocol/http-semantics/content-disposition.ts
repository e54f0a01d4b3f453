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

/**
 * The file name a request's `Content-Disposition` carries (the IETF upload draft's way to send one):
 * `filename*=UTF-8''…` (RFC 8187) when present and decodable, else `filename="…"` or a bare token.
 * Undefined when there is none or the header is malformed. The name is untrusted client input, as
 * tus metadata is: it is stored, never used as a path.
 */
export function dispositionFilename(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const params = dispositionParams(raw);
  if (!params) return undefined;
  const extended = params.get('filename*');
  const decoded = extended === undefined ? undefined : decodeExtValue(extended);
  return decoded ?? params.get('filename') ?? undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** `type *( ";" name "=" ( token / quoted-string ) )`, names lower-cased; undefined when malformed. */
function dispositionParams(raw: string): Map<string, string> | undefined {
  let rest = raw.trim();
  const type = TOKEN.exec(rest);
  if (!type) return undefined;
  rest = rest.slice(type[0].length);
  const params = new Map<string, string>();
  for (;;) {
    rest = rest.trimStart();
    if (rest === '') return params;
    if (rest[0] !== ';') return undefined;
    rest = rest.slice(1).trimStart();
    const name = TOKEN.exec(rest);
    if (!name) return undefined;
    rest = rest.slice(name[0].length).trimStart();
    if (rest[0] !== '=') return undefined;
    rest = rest.slice(1).trimStart();
    let value: string;
    if (rest[0] === '"') {
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (!quoted) return undefined;
      value = quoted[1].replace(/\\(.)/g, '$1');
      rest = rest.slice(quoted[0].length);
    } else {
      const token = TOKEN.exec(rest);
      if (!token) return undefined;
      value = token[0];
      rest = rest.slice(token[0].length);
    }
    const key = name[0].toLowerCase();
    if (params.has(key)) return undefined;
    params.set(key, value);
  }
}

/** RFC 8187 `charset'lang'pct-encoded`, for UTF-8 and ISO-8859-1; undefined otherwise. */
function decodeExtValue(value: string): string | undefined {
  const match = /^([A-Za-z0-9!#$&+\-^_`{}~]+)'[A-Za-z0-9-]*'(.*)$/.exec(value);
  if (!match) return undefined;
  const charset = match[1].toLowerCase();
  const bytes: number[] = [];
  const text = match[2];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  if (charset === 'iso-8859-1') return Buffer.from(bytes).toString('latin1');
  if (charset !== 'utf-8') return undefined;
  const decoded = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoded.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}
