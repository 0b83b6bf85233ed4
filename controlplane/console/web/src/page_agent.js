// One agent (GET /api/v1/agents/{id}): every field of the API's agent
// object, in words, and the way to its dead letters.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { ago, bytes, count, dateTime, duration } from './format.js';
import { StateBadge } from './state_badge.js';
import { useNow, useResource } from './use_resource.js';

// The fields shown by name below; anything else the API adds later is
// listed at the end as it comes, rather than hidden.
const KNOWN = [
  'id', 'state', 'reasons', 'identity', 'labels', 'version', 'last_heartbeat_unix_ms', 'heartbeat_interval_ms',
  'outbox', 'acked_total', 'certificate_not_after_unix_ms', 'bundle', 'dead_letters',
];

function Field({ name, children }) {
  return html`<dt>${name}</dt><dd>${children}</dd>`;
}

function yesNo(value) {
  return value === undefined ? '–' : value ? 'yes' : 'no';
}

function Labels({ labels }) {
  const entries = Object.entries(labels || {});
  if (!entries.length) return 'none';
  return html`<ul class="labels">${entries.map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}</ul>`;
}

function AgentDetail({ agent, now }) {
  const outbox = agent.outbox || {};
  const bundle = agent.bundle || {};
  const dead = agent.dead_letters || {};
  const extra = Object.keys(agent).filter((k) => !KNOWN.includes(k));
  return html`
    <section aria-labelledby="agent-health">
      <h2 id="agent-health">Health</h2>
      <dl class="fields">
        <${Field} name="State"><${StateBadge} state=${agent.state} testid="agent-state" /><//>
        <${Field} name="Reasons">
          ${agent.reasons && agent.reasons.length
            ? html`<ul class="reasons">${agent.reasons.map((r) => html`<li>${r}</li>`)}</ul>`
            : 'none'}
        <//>
        <${Field} name="Identity">${agent.identity || '–'}<//>
        <${Field} name="Labels"><${Labels} labels=${agent.labels} /><//>
        <${Field} name="Version">${agent.version || '–'}<//>
        <${Field} name="Last heartbeat">
          ${ago(agent.last_heartbeat_unix_ms, now)}
          ${agent.last_heartbeat_unix_ms ? html` <span class="muted">(${dateTime(agent.last_heartbeat_unix_ms)})</span>` : ''}
        <//>
        <${Field} name="Heartbeat interval">${agent.heartbeat_interval_ms ? duration(agent.heartbeat_interval_ms) : '–'}<//>
        <${Field} name="Certificate valid until">${dateTime(agent.certificate_not_after_unix_ms)}<//>
      </dl>
    </section>
    <section aria-labelledby="agent-outbox">
      <h2 id="agent-outbox">Outbox, as of the last heartbeat</h2>
      <dl class="fields">
        <${Field} name="Events waiting">${count(outbox.depth)} (${bytes(outbox.bytes)})<//>
        <${Field} name="Oldest waiting">${outbox.depth ? duration(outbox.oldest_age_ms) : '–'}<//>
        <${Field} name="Acknowledged in all">${count(agent.acked_total)}<//>
      </dl>
    </section>
    <section aria-labelledby="agent-bundle">
      <h2 id="agent-bundle">Flow bundle</h2>
      <dl class="fields">
        <${Field} name="Version running / desired">${bundle.running_version ?? '–'} / ${bundle.desired_version ?? '–'}<//>
        <${Field} name="Sequence reported / desired">${bundle.reported_sequence ?? '–'} / ${bundle.desired_sequence ?? '–'}<//>
        <${Field} name="Applied">${yesNo(bundle.applied)}<//>
        <${Field} name="Error">${bundle.error ? html`<span class="bad">${bundle.error}</span>` : 'none'}<//>
      </dl>
    </section>
    <section aria-labelledby="agent-dead">
      <h2 id="agent-dead">Dead letters</h2>
      <dl class="fields">
        <${Field} name="Last hour">${count(dead.last_hour)}<//>
        <${Field} name="Hour before">${count(dead.hour_before)}<//>
      </dl>
      <p>
        <a href=${`/dead-letters${queryString({ agent: agent.id })}`} data-testid="agent-dead-letters"
          >This agent's dead letters</a
        >
      </p>
    </section>
    ${extra.length > 0 &&
    html`
      <section aria-labelledby="agent-other">
        <h2 id="agent-other">Other fields</h2>
        <dl class="fields">
          ${extra.map((k) => html`<${Field} name=${k}><code>${JSON.stringify(agent[k])}</code><//>`)}
        </dl>
      </section>
    `}
  `;
}

export function AgentPage({ id }) {
  const now = useNow();
  const { data, error } = useResource(
    () => api.get(`/api/v1/agents/${encodeURIComponent(id)}`),
    [id],
    ['agents', 'dead-letters'],
  );
  return html`
    <main>
      <p class="crumbs"><a href="/agents">Agents</a> /</p>
      <h1 tabindex="-1">Agent ${id}</h1>
      <${ErrorBanner} errors=${[error]} />
      ${data && error?.status !== 404 && html`<${AgentDetail} agent=${data} now=${now} />`}
    </main>
  `;
}
