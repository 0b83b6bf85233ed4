// One bundle version (GET /api/v1/flows/bundles/{v}): what it is, its
// flows and files, what it changes against an older version or the
// standard flows (?against= in the address), and for operators and admins
// the way to deploy it, or roll back to it.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { BundleDiff, STANDARD } from './bundle_diff.js';
import { DeployForm } from './deploy_form.js';
import { ErrorBanner } from './error_banner.js';
import { count, isoDateTime } from './format.js';
import { navigate, searchParams } from './router.js';
import { useResource } from './use_resource.js';

// The older versions offered to compare with.
const OLDER_SHOWN = 100;

function Field({ name, children }) {
  return html`<dt>${name}</dt><dd>${children}</dd>`;
}

function Flows({ flows }) {
  if (!flows.length) return html`<p>None: this bundle maps nothing.</p>`;
  return html`
    <table data-testid="bundle-flows">
      <thead>
        <tr>
          <th scope="col">Flow</th>
          <th scope="col">Extends</th>
          <th scope="col">Connector</th>
        </tr>
      </thead>
      <tbody>
        ${flows.map(
          (f) => html`
            <tr key=${f.id} data-testid="bundle-flow-row" data-flow=${f.id}>
              <th scope="row"><code>${f.id}</code></th>
              <td>${f.extends ? html`<code>${f.extends}</code>` : html`<span class="muted">none</span>`}</td>
              <td>${f.connector}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

function lineCount(text) {
  const lines = text.split('\n');
  return lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
}

function fileNote(file) {
  const lines = `${count(lineCount(file.text))} lines`;
  return file.path.startsWith('standard/') ? `${lines}, a standard flow it extends` : lines;
}

function Files({ files }) {
  return html`
    <div class="bundle-files">
      ${files.map(
        (f) => html`
          <details key=${f.path} data-testid="bundle-file" data-path=${f.path}>
            <summary>
              <code>${f.path}</code> <span class="muted">(${fileNote(f)})</span>
            </summary>
            <pre class="raw" tabindex="0">${f.text}</pre>
          </details>
        `,
      )}
    </div>
  `;
}

function Detail({ bundle }) {
  return html`
    ${bundle.compile_error &&
    html`<div class="error-banner" role="alert" data-testid="bundle-compile-error">
      <p>This version no longer compiles here, so its flows and changes cannot be shown:</p>
      <pre>${bundle.compile_error}</pre>
    </div>`}
    <dl class="fields">
      <${Field} name="SHA-256"><code class="id" data-testid="bundle-sha256">${bundle.sha256}</code><//>
      <${Field} name="Created"><span title=${bundle.created}>${isoDateTime(bundle.created)}</span><//>
      <${Field} name="Comment">${bundle.comment || html`<span class="muted">none</span>`}<//>
    </dl>
    <section aria-labelledby="bundle-flows-heading">
      <h2 id="bundle-flows-heading">Flows</h2>
      <${Flows} flows=${bundle.flows || []} />
    </section>
    <section aria-labelledby="bundle-files-heading">
      <h2 id="bundle-files-heading">Files (${count((bundle.files || []).length)})</h2>
      <${Files} files=${bundle.files || []} />
    </section>
  `;
}

export function FlowBundlePage({ version, search, user }) {
  const v = Number(version);
  const bundle = useResource(() => api.get(`/api/v1/flows/bundles/${v}`), [v]);
  const older = useResource(() => api.get('/api/v1/flows/bundles', { before: v, limit: OLDER_SHOWN }), [v], ['flows']);
  const olderList = older.data ? older.data.bundles : [];

  // Compared with what the address says, else the version before, else
  // (the first version, or the list did not load) the standard flows.
  let against = searchParams(search).against || '';
  if (!against && (older.data || older.error)) against = olderList.length ? String(olderList[0].version) : STANDARD;
  function chooseAgainst(value) {
    navigate(`/flows/bundles/${v}${queryString({ against: value })}`, { replace: true });
  }

  const found = bundle.data && bundle.error?.status !== 404;
  return html`
    <main>
      <p class="crumbs"><a href="/flows">Flows</a> /</p>
      <h1 tabindex="-1">Bundle version ${version}</h1>
      <${ErrorBanner} errors=${[bundle.error, older.error]} />
      ${found && html`<${Detail} bundle=${bundle.data} />`}
      ${found &&
      html`<${BundleDiff} version=${v} against=${against} older=${olderList} onAgainst=${chooseAgainst} />`}
      ${found && user.role !== 'viewer' && html`<${DeployForm} version=${v} here />`}
    </main>
  `;
}
