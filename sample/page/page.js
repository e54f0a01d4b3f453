// The sample's upload page (browser code, served as is): Uppy's Dashboard and @uppy/tus send files to
// /files with the token, if any; the list below shows GET /uploads, what the completion handler saved.
import { Dashboard, Tus, Uppy } from '/assets/uppy.min.mjs';

const tokensRequired = document.body.dataset.tokens === 'true';
const tokenInput = document.getElementById('token');
const status = document.getElementById('status');
const list = document.getElementById('uploads');
document.getElementById('token-row').hidden = !tokensRequired;

/** The Authorization header for the token typed in, if any. */
function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function say(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

const uppy = new Uppy({ autoProceed: false })
  .use(Dashboard, { inline: true, target: '#dashboard', height: 340, showProgressDetails: true, proudlyDisplayPoweredByUppy: false })
  // 5 MiB per PATCH: a retry after a dropped connection resends at most that (and Pause keeps what was sent).
  .use(Tus, { endpoint: new URL('/files', location.href).href, chunkSize: 5 * 1024 * 1024, retryDelays: [0, 1000, 3000], headers: () => authHeaders() });

uppy.on('upload-error', (file, error, response) => {
  // The server's one-line reason is the response body (e.g. 401: send Authorization: Bearer <token>).
  const body = response?.body?.xhr?.responseText?.trim();
  say(`${file.name}: ${response?.status ? `${response.status}: ${body || error.message}` : error.message}`, true);
});
uppy.on('upload-success', (file) => say(`${file.name}: uploaded`));
uppy.on('complete', () => void showUploads());
tokenInput.addEventListener('change', () => void showUploads());

/** The caller's completed uploads, each with a link that downloads it (with the token when there is one). */
async function showUploads() {
  const response = await fetch('/uploads', { headers: authHeaders() });
  list.replaceChildren();
  if (!response.ok) {
    list.append(Object.assign(document.createElement('li'), { textContent: `GET /uploads: ${response.status} ${await response.text()}` }));
    return;
  }
  for (const upload of await response.json()) {
    const link = Object.assign(document.createElement('a'), { href: `/files/${encodeURIComponent(upload.id)}`, textContent: upload.filename, download: upload.filename });
    link.addEventListener('click', (event) => {
      if (!tokenInput.value.trim()) return; // no token: a plain link works
      event.preventDefault();
      void download(link.href, upload.filename);
    });
    const item = document.createElement('li');
    item.append(link, ` (${upload.size} bytes)`);
    list.append(item);
  }
}

/** A link cannot send a header: fetch the file with the token, then hand the browser the bytes. */
async function download(href, filename) {
  const response = await fetch(href, { headers: authHeaders() });
  if (!response.ok) return say(`${filename}: ${response.status} ${await response.text()}`, true);
  const url = URL.createObjectURL(await response.blob());
  Object.assign(document.createElement('a'), { href: url, download: filename }).click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

window.uppy = uppy; // for the console (and the browser test)
void showUploads();
say('ready');
