// Uploading flow files as a new bundle version (POST /api/v1/flows/bundles),
// for operators and admins, then deploying it. The control plane compiles
// the bundle and refuses it with every compile error, one per line; they
// are shown as written. The same files as the newest version make no new
// version, and the answer says which one they are.

import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { DeployForm } from './deploy_form.js';
import { ErrorBanner } from './error_banner.js';
import { bytes } from './format.js';

// The API's limits, checked here too so that a mistake is named before
// anything is sent.
const MAX_FILES = 64;
const MAX_BYTES = 1024 * 1024;

// The files picked, read as text: { files } or { error } in words.
async function readFiles(list) {
  const picked = [...list];
  if (!picked.length) return { error: 'Choose one or more flow files (.yaml or .yml).' };
  if (picked.length > MAX_FILES) return { error: `At most ${MAX_FILES} files: ${picked.length} are chosen.` };
  const wrong = picked.filter((f) => !/\.ya?ml$/.test(f.name)).map((f) => f.name);
  if (wrong.length) return { error: `Only .yaml and .yml files: not ${wrong.join(', ')}.` };
  const files = [];
  let total = 0;
  for (const f of picked) {
    const text = await f.text();
    total += new TextEncoder().encode(text).length;
    files.push({ path: f.name, text });
  }
  if (total > MAX_BYTES) return { error: `At most ${bytes(MAX_BYTES)} in all: these are ${bytes(total)}.` };
  return { files };
}

function Stored({ answer }) {
  const href = `/flows/bundles/${answer.version}`;
  return html`
    <div class="outcome" role="status" data-testid="flows-upload-outcome">
      <p>
        ${answer.unchanged
          ? html`Unchanged: same as <a href=${href}>version ${answer.version}</a>; no new version was made.`
          : html`<a href=${href}>Version ${answer.version}</a> stored${answer.files
              ? ` (${answer.files.length} files with the standard flows)`
              : ''}.`}
      </p>
    </div>
  `;
}

export function FlowUpload({ onStored }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [answer, setAnswer] = useState(null);
  const fileInput = useRef(null);

  async function upload(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      const read = await readFiles(fileInput.current.files);
      if (read.error) {
        setError(read.error);
        fileInput.current.focus();
        return;
      }
      const stored = await api.post('/api/v1/flows/bundles', { files: read.files, comment: comment.trim() });
      fileInput.current.value = '';
      setComment('');
      setAnswer(stored);
      onStored();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return html`
    <section aria-labelledby="flows-upload-heading">
      <h2 id="flows-upload-heading">Upload a bundle</h2>
      <form class="filters" data-testid="flows-upload" onSubmit=${upload} noValidate>
        <p>
          <label for="flows-upload-files">Flow files</label>
          <input
            type="file"
            ref=${fileInput}
            id="flows-upload-files"
            data-testid="flows-upload-files"
            multiple
            accept=".yaml,.yml"
            aria-describedby="flows-upload-hint"
          />
        </p>
        <p class="grow">
          <label for="flows-upload-comment">Comment</label>
          <input
            id="flows-upload-comment"
            data-testid="flows-upload-comment"
            maxlength="500"
            placeholder="what changed"
            value=${comment}
            onInput=${(e) => setComment(e.currentTarget.value)}
          />
        </p>
        <p class="buttons">
          <button type="submit" data-testid="flows-upload-submit" disabled=${busy}>Upload</button>
        </p>
        <p id="flows-upload-hint" class="hint muted">
          Flow files (.yaml or .yml), up to ${MAX_FILES} files and ${bytes(MAX_BYTES)} in all. The control plane adds
          the standard flows they extend.
        </p>
      </form>
      <${ErrorBanner} errors=${[error]} testid="flows-upload-error" preformatted />
      ${answer && html`<${Stored} answer=${answer} />`}
    </section>
    ${answer && html`<${DeployForm} key=${answer.version} version=${answer.version} />`}
  `;
}
