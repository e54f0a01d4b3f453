/** The `Content-Type` a download is served with, and whether a browser may show it in place. */
export interface ServedType {
  contentType: string;
  inline: boolean;
}

const FALLBACK_TYPE = 'application/octet-stream';

/**
 * Types shown in place (`Content-Disposition: inline`): tusd's list of images, audio, video and plain text, media
 * that cannot run script. HTML, SVG and PDF are left out on purpose: they can, in this origin.
 */
const INLINE_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/bmp',
  'image/webp',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wav',
  'audio/webm',
  'audio/ogg',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'application/ogg',
]);

// RFC 6838 restricted names, lower-cased: nothing that could end a header or smuggle a parameter.
const ESSENCE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const CHARSET = /^[a-z0-9][a-z0-9._:+-]{0,39}$/;
/**
 * Types a browser runs or renders with script when it meets them, whatever the client called the
 * file. `attachment` keeps them from being opened as a page, but not from being loaded as a
 * subresource: `<script>`, `<link rel=stylesheet>` and workers ignore Content-Disposition, and
 * `nosniff` lets them run exactly when the type says script or CSS. So such a type is never
 * echoed: it would let anyone who can upload serve script from this origin (past a CSP `'self'`).
 */
// XML only as a whole type or a `+xml` suffix: office formats (`vnd.openxmlformats-…`) are zip files.
const ACTIVE = /html|(?:^|[/+])xml$|xsl|script|css|wasm|^multipart\/|^message\//;

/**
 * The type to serve for the client's `filetype` metadata: the client's own type when it is a
 * well-formed, passive media type (with its charset, if any), otherwise `application/octet-stream`.
 * A value is decoded client input, so it is rebuilt from checked parts rather than passed through.
 */
export function servedType(declared: string | null | undefined): ServedType {
  const type = passiveType(declared);
  if (!type) return { contentType: FALLBACK_TYPE, inline: false };
  return { contentType: type.essence + (type.charset ? `; charset=${type.charset}` : ''), inline: INLINE_TYPES.has(type.essence) };
}

function passiveType(declared: string | null | undefined): { essence: string; charset?: string } | undefined {
  if (!declared) return undefined;
  const [first, ...parameters] = declared.split(';');
  const essence = first.trim().toLowerCase();
  if (!ESSENCE.test(essence) || ACTIVE.test(essence)) return undefined;
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name, value = ''] = parameter.split('=', 2).map((part) => part.trim());
    const unquoted = value.replace(/^"(.*)"$/, '$1').toLowerCase();
    // Only a charset is kept: the one parameter that changes how a passive type is read.
    if (name.toLowerCase() === 'charset' && CHARSET.test(unquoted)) charset = unquoted;
  }
  return { essence, charset };
}
