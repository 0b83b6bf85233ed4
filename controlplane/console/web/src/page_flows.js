// Flows (GET /api/v1/flows/deployments and /flows/bundles): the
// deployments with how far each has got, the bundle versions, and for
// operators and admins the upload of a new version. Each list is newest
// first; its page lives in the address (?deployments_before=, ?before=).

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { FlowUpload } from './flow_upload.js';
import { count, isoDateTime } from './format.js';
import { RolloutSummary } from './rollout_summary.js';
import { searchParams } from './router.js';
import { SelectorChips } from './selector.js';
import { useResource } from './use_resource.js';

const DEPLOYMENTS_PAGE = 10; // two lists on one page: both stay in reach
const BUNDLES_PAGE = 20;

function shortSha(sha256) {
  return (sha256 || '').slice(0, 12);
}

// "Newest" and "Older" for one of the lists; `param` is its page in the
// address, `other` the rest of the address, kept as it is.
function Pager({ label, param, before, nextBefore, other, testid }) {
  return html`
    <nav class="pager" aria-label=${label}>
      ${before
        ? html`<a href=${`/flows${queryString(other)}`} data-testid=${`${testid}-newest`}>← Newest</a>`
        : html`<span class="muted">← Newest</span>`}
      ${nextBefore
        ? html`<a href=${`/flows${queryString({ ...other, [param]: nextBefore })}`} data-testid=${`${testid}-older`}
            >Older →</a
          >`
        : html`<span class="muted">Older →</span>`}
    </nav>
  `;
}

function Deployments({ data }) {
  return html`
    <table data-testid="flows-deployments">
      <thead>
        <tr>
          <th scope="col" class="num">Sequence</th>
          <th scope="col" class="num">Version</th>
          <th scope="col">Agents</th>
          <th scope="col">Created</th>
          <th scope="col">Comment</th>
          <th scope="col">Rollout</th>
        </tr>
      </thead>
      <tbody>
        ${data.deployments.map(
          (d) => html`
            <tr key=${d.sequence} data-testid="deployment-row" data-sequence=${d.sequence}>
              <td class="num">
                <a href=${`/flows/deployments/${d.sequence}`} aria-label=${`Deployment ${d.sequence}`}>${d.sequence}</a>
              </td>
              <td class="num">
                <a href=${`/flows/bundles/${d.version}`} aria-label=${`Bundle version ${d.version}`}>${d.version}</a>
              </td>
              <td><${SelectorChips} selector=${d.selector} /></td>
              <td class="nowrap" title=${d.created}>${isoDateTime(d.created)}</td>
              <td class="wrap">${d.comment}</td>
              <td><${RolloutSummary} rollout=${d.rollout} /></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${data.deployments.length === 0 && html`<p>No deployment on this page.</p>`}
  `;
}

function Bundles({ data }) {
  return html`
    <table data-testid="flows-bundles">
      <thead>
        <tr>
          <th scope="col" class="num">Version</th>
          <th scope="col">SHA-256</th>
          <th scope="col">Created</th>
          <th scope="col">Comment</th>
          <th scope="col">Flows</th>
          <th scope="col" class="num">Files</th>
        </tr>
      </thead>
      <tbody>
        ${data.bundles.map(
          (b) => html`
            <tr key=${b.version} data-testid="bundle-row" data-version=${b.version}>
              <td class="num">
                <a href=${`/flows/bundles/${b.version}`} aria-label=${`Bundle version ${b.version}`}>${b.version}</a>
              </td>
              <td><code title=${b.sha256}>${shortSha(b.sha256)}</code></td>
              <td class="nowrap" title=${b.created}>${isoDateTime(b.created)}</td>
              <td class="wrap">${b.comment}</td>
              <td class="wrap">${(b.flows || []).join(', ') || html`<span class="muted">none</span>`}</td>
              <td class="num" title=${(b.files || []).join('\n')}>${count((b.files || []).length)}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${data.bundles.length === 0 && html`<p>No bundle version on this page.</p>`}
  `;
}

export function FlowsPage({ search, user }) {
  const params = searchParams(search);
  const before = params.before || '';
  const deploymentsBefore = params.deployments_before || '';
  const deployments = useResource(
    () => api.get('/api/v1/flows/deployments', { before: deploymentsBefore, limit: DEPLOYMENTS_PAGE }),
    [deploymentsBefore],
    ['flows'],
  );
  const bundles = useResource(
    () => api.get('/api/v1/flows/bundles', { before, limit: BUNDLES_PAGE }),
    [before],
    ['flows'],
  );

  return html`
    <main>
      <h1 tabindex="-1">Flows</h1>
      <p class="muted">
        A bundle version is a set of flow files; a deployment sends one version to the agents whose labels match its
        selector. Each agent runs the newest deployment that matches it.
      </p>
      ${user.role !== 'viewer' && html`<${FlowUpload} onStored=${bundles.reload} />`}
      <${ErrorBanner} errors=${[deployments.error, bundles.error]} />
      ${deployments.data &&
      html`
        <section aria-labelledby="flows-deployments-heading">
          <h2 id="flows-deployments-heading">Deployments</h2>
          <${Deployments} data=${deployments.data} />
          <${Pager}
            label="Pages of deployments"
            param="deployments_before"
            before=${deploymentsBefore}
            nextBefore=${deployments.data.next_before}
            other=${{ before }}
            testid="flows-deployments"
          />
        </section>
      `}
      ${bundles.data &&
      html`
        <section aria-labelledby="flows-bundles-heading">
          <h2 id="flows-bundles-heading">Bundle versions</h2>
          <${Bundles} data=${bundles.data} />
          <${Pager}
            label="Pages of bundle versions"
            param="before"
            before=${before}
            nextBefore=${bundles.data.next_before}
            other=${{ deployments_before: deploymentsBefore }}
            testid="flows-bundles"
          />
        </section>
      `}
    </main>
  `;
}
