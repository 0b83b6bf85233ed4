// One deployment and its rollout (GET /api/v1/flows/deployments/{seq}/rollout):
// every known agent its selector matches, and whether that agent runs it,
// is still to, refused it (with the agent's reason), or runs a newer
// deployment that also matches it. Follows the agents live.

import { html } from 'htm/preact';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { isoDateTime } from './format.js';
import { RolloutSummary, rolloutCounts } from './rollout_summary.js';
import { SelectorChips } from './selector.js';
import { StateBadge } from './state_badge.js';
import { useResource } from './use_resource.js';

function Field({ name, children }) {
  return html`<dt>${name}</dt><dd>${children}</dd>`;
}

// "v3 (deployment 7)", linked; '–' for nothing.
function Running({ version, sequence }) {
  if (!sequence) return html`<span class="muted">–</span>`;
  return html`
    <a href=${`/flows/bundles/${version}`}>version ${version}</a>
    ${' '}<span class="muted">(<a href=${`/flows/deployments/${sequence}`}>deployment ${sequence}</a>)</span>
  `;
}

function Rollout({ rollout, sequence }) {
  const agents = rollout.agents || [];
  if (!agents.length) return html`<p>No known agent matches this selector.</p>`;
  return html`
    <table data-testid="rollout-table">
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">State</th>
          <th scope="col">Running</th>
          <th scope="col">Should run</th>
          <th scope="col">Reported</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        ${agents.map(
          (a) => html`
            <tr key=${a.agent} data-testid="rollout-row" data-agent=${a.agent} data-state=${a.state}>
              <td class="nowrap"><a href=${`/agents/${encodeURIComponent(a.agent)}`}>${a.agent}</a></td>
              <td><${StateBadge} state=${a.state} /></td>
              <td class="nowrap"><${Running} version=${a.running_version} sequence=${a.running_sequence} /></td>
              <td class="nowrap">
                ${a.desired_sequence === sequence
                  ? html`<span class="muted">this deployment</span>`
                  : html`<${Running} version=${a.desired_version} sequence=${a.desired_sequence} />`}
              </td>
              <td class="nowrap" title=${a.reported || ''}>${a.reported ? isoDateTime(a.reported) : 'never'}</td>
              <td class="reason">${a.error ? html`<span class="bad">${a.error}</span>` : ''}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

export function FlowDeploymentPage({ seq }) {
  const sequence = Number(seq);
  const rollout = useResource(
    () => api.get(`/api/v1/flows/deployments/${sequence}/rollout`),
    [sequence],
    ['flows', 'agents'],
  );
  // The comment and time are in the list: the page that starts at this one.
  const listed = useResource(
    () => api.get('/api/v1/flows/deployments', { before: sequence + 1, limit: 1 }),
    [sequence],
    ['flows'],
  );
  const first = listed.data && listed.data.deployments[0];
  const deployment = first && first.sequence === sequence ? first : null;
  const r = rollout.error?.status === 404 ? null : rollout.data;
  const n = r ? rolloutCounts(r.agents || []) : null;

  return html`
    <main>
      <p class="crumbs"><a href="/flows">Flows</a> /</p>
      <h1 tabindex="-1">Deployment ${seq}</h1>
      <${ErrorBanner} errors=${[rollout.error, listed.error]} />
      ${r &&
      html`
        <dl class="fields">
          <${Field} name="Version">
            <a href=${`/flows/bundles/${r.version}`} data-testid="deployment-version">version ${r.version}</a>
          <//>
          <${Field} name="Agents matching"><${SelectorChips} selector=${r.selector} /><//>
          <${Field} name="Comment">${deployment?.comment || html`<span class="muted">none</span>`}<//>
          <${Field} name="Created">
            ${deployment ? html`<span title=${deployment.created}>${isoDateTime(deployment.created)}</span>` : '–'}
          <//>
        </dl>
        <section aria-labelledby="rollout-heading">
          <h2 id="rollout-heading">Rollout</h2>
          <p class="rollout-line">
            <${RolloutSummary} rollout=${n} testid="rollout-summary" />
            ${n.superseded > 0 &&
            html`<span class="muted"> ${n.superseded} superseded: a newer deployment also matches them.</span>`}
          </p>
          <${Rollout} rollout=${r} sequence=${sequence} />
        </section>
      `}
    </main>
  `;
}
