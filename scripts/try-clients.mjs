// Uploads through the running sample app (`npm start`) with tus-js-client in three ways — parallel
// uploads (concatenation), and the IETF draft protocol in both versions tus-js-client 4 speaks — then
// downloads each upload and compares sha256. Usage: node scripts/try-clients.mjs [endpoint] [token]
import { createHash, randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';

const endpoint = process.argv[2] ?? 'http://localhost:3000/files';
const token = process.argv[3];
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function upload(data, options) {
  return new Promise((resolve, reject) => {
    const u = new tus.Upload(data, {
      endpoint,
      headers,
      retryDelays: null,
      metadata: { filename: options.name, filetype: 'application/octet-stream' },
      onSuccess: () => resolve(u.url),
      onError: reject,
      ...options.tus,
    });
    u.start();
  });
}

const cases = [
  { name: 'parallel.bin', tus: { parallelUploads: 3 } },
  { name: 'draft-05.bin', tus: { protocol: 'ietf-draft-05', chunkSize: 1024 * 1024 } },
  { name: 'draft-03.bin', tus: { protocol: 'ietf-draft-03' } },
];

for (const c of cases) {
  const data = randomBytes(5 * 1024 * 1024 + 123);
  const url = await upload(data, c);
  const response = await fetch(url, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  const same = sha256(body) === sha256(data);
  console.log(`${c.name.padEnd(14)} ${JSON.stringify(c.tus)} → ${url}`);
  console.log(`${''.padEnd(14)} GET ${response.status}, ${body.length} bytes, sha256 ${sha256(body).slice(0, 16)}… ${same ? 'equal' : 'DIFFERENT'}`);
  if (!same) process.exitCode = 1;
}
