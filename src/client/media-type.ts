/** Common file extensions and their media types, for the default `filetype` metadata. */
const TYPES: ReadonlyMap<string, string> = new Map([
  ['txt', 'text/plain'], ['md', 'text/markdown'], ['csv', 'text/csv'], ['html', 'text/html'], ['htm', 'text/html'],
  ['css', 'text/css'], ['js', 'text/javascript'], ['json', 'application/json'], ['xml', 'application/xml'],
  ['pdf', 'application/pdf'], ['zip', 'application/zip'], ['gz', 'application/gzip'], ['tgz', 'application/gzip'],
  ['tar', 'application/x-tar'], ['7z', 'application/x-7z-compressed'], ['wasm', 'application/wasm'],
  ['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['gif', 'image/gif'], ['webp', 'image/webp'],
  ['svg', 'image/svg+xml'], ['bmp', 'image/bmp'], ['ico', 'image/vnd.microsoft.icon'], ['avif', 'image/avif'],
  ['mp3', 'audio/mpeg'], ['wav', 'audio/wav'], ['ogg', 'audio/ogg'], ['flac', 'audio/flac'],
  ['mp4', 'video/mp4'], ['webm', 'video/webm'], ['mov', 'video/quicktime'], ['mkv', 'video/x-matroska'],
]);

/** The media type for a file name, `application/octet-stream` when the extension is unknown. */
export function mediaTypeOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return (dot > 0 && TYPES.get(fileName.slice(dot + 1).toLowerCase())) || 'application/octet-stream';
}
