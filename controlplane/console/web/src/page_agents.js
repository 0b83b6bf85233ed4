// The agent list (GET /api/v1/agents), filtered by state, labels and text,
// a page at a time. The filters and the page live in the address
// (?state=&label=&q=&offset=), so a filtered view can be linked and the
// back button steps through them.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { ago, bytes, count, duration } from './format.js';
import { navigate, searchParams } from './router.js';
import { STATES, StateBadge } from './state_badge.js';
import { useNow, useResource } from './use_resource.js';

const PAGE_SIZE = 50;

// The filters as they are in the address.
function filtersOf(search) {
  const p = searchParams(search);
  return {
    states: (p.state || '').split(',').filter((s) => STATES.includes(s)),
    label: p.label || '',
    q: p.q || '',
    offset: Number(p.offset) > 0 ? Math.floor(Number(p.offset)) : 0,
  };
}

function addressOf({ states, label, q, offset }) {
  return `/agents${queryString({ state: states.join(','), label, q, offset: offset || '' })}`;
}

function FilterForm({ filters }) {
  const [states, setStates] = useState(filters.states);
  const [label, setLabel] = useState(filters.label);
  const [q, setQ] = useState(filters.q);
  // The address changed (a link, the back button): show what it says.
  useEffect(() => {
    setStates(filters.states);
    setLabel(filters.label);
    setQ(filters.q);
  }, [filters.states.join(','), filters.label, filters.q]);

  function toggle(state, on) {
    setStates(STATES.filter((s) => (s === state ? on : states.includes(s))));
  }
  function submit(event) {
    event.preventDefault();
    navigate(addressOf({ states, label: label.trim(), q: q.trim(), offset: 0 }));
  }

  return html`
    <form class="filters" onSubmit=${submit}>
      <fieldset>
        <legend>State</legend>
        ${STATES.map(
          (state) => html`
            <label class="check">
              <input
                type="checkbox"
                name="state"
                value=${state}
                data-testid=${`agents-filter-${state}`}
                checked=${states.includes(state)}
                onChange=${(e) => toggle(state, e.currentTarget.checked)}
              />
              ${' '}${state}
            </label>
          `,
        )}
      </fieldset>
      <p>
        <label for="agents-label">Labels</label>
        <input
          id="agents-label"
          data-testid="agents-filter-label"
          placeholder="plant=hamburg,line=2"
          value=${label}
          onInput=${(e) => setLabel(e.currentTarget.value)}
        />
      </p>
      <p>
        <label for="agents-q">Text</label>
        <input
          id="agents-q"
          type="search"
          data-testid="agents-filter-q"
          placeholder="in id or label value"
          value=${q}
          onInput=${(e) => setQ(e.currentTarget.value)}
        />
      </p>
      <p><button type="submit" data-testid="agents-filter-apply">Apply</button></p>
    </form>
  `;
}

function AgentRow({ agent, now }) {
  const bundle = agent.bundle || {};
  return html`
    <tr data-testid=${`agent-row-${agent.id}`} data-state=${agent.state}>
      <td><a href=${`/agents/${encodeURIComponent(agent.id)}`}>${agent.id}</a></td>
      <td>
        <${StateBadge} state=${agent.state} />
        ${agent.reasons && agent.reasons.length > 0 &&
        html`<ul class="reasons">${agent.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}
      </td>
      <td>${agent.version || '–'}</td>
      <td title=${agent.last_heartbeat_unix_ms ? new Date(agent.last_heartbeat_unix_ms).toISOString() : ''}>
        ${ago(agent.last_heartbeat_unix_ms, now)}
      </td>
      <td class="num">${count(agent.outbox?.depth)} <span class="muted">(${bytes(agent.outbox?.bytes)})</span></td>
      <td class="num">${agent.outbox?.depth ? duration(agent.outbox.oldest_age_ms) : '–'}</td>
      <td class="num">
        ${bundle.running_version ?? '–'} / ${bundle.desired_version ?? '–'}
        ${bundle.error && html`<div class="bad">${bundle.error}</div>`}
      </td>
      <td class="num">${count(agent.dead_letters?.last_hour)}</td>
    </tr>
  `;
}

function Pager({ filters, data }) {
  const previous = filters.offset > 0 ? Math.max(0, filters.offset - PAGE_SIZE) : null;
  const first = data.agents.length ? data.offset + 1 : 0;
  return html`
    <nav class="pager" aria-label="Pages of agents">
      ${previous !== null
        ? html`<a href=${addressOf({ ...filters, offset: previous })} data-testid="agents-previous" rel="prev">← Previous</a>`
        : html`<span class="muted">← Previous</span>`}
      <span>${first}–${data.offset + data.agents.length} of ${count(data.total)}</span>
      ${data.next_offset !== null && data.next_offset !== undefined
        ? html`<a href=${addressOf({ ...filters, offset: data.next_offset })} data-testid="agents-next" rel="next">Next →</a>`
        : html`<span class="muted">Next →</span>`}
    </nav>
  `;
}

export function AgentsPage({ search }) {
  const filters = filtersOf(search);
  const now = useNow();
  const { data, error } = useResource(
    () =>
      api.get('/api/v1/agents', {
        state: filters.states.join(','),
        label: filters.label,
        q: filters.q,
        offset: filters.offset || '',
        limit: PAGE_SIZE,
      }),
    [search],
    ['agents'],
  );

  return html`
    <main>
      <h1 tabindex="-1">Agents</h1>
      <${FilterForm} filters=${filters} />
      <${ErrorBanner} errors=${[error]} />
      ${data &&
      html`
        <table data-testid="agents-table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Version</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col" class="num">Outbox</th>
              <th scope="col" class="num">Oldest unsent</th>
              <th scope="col" class="num">Bundle running / desired</th>
              <th scope="col" class="num">Dead letters, last hour</th>
            </tr>
          </thead>
          <tbody>
            ${data.agents.map((agent) => html`<${AgentRow} key=${agent.id} agent=${agent} now=${now} />`)}
          </tbody>
        </table>
        ${data.agents.length === 0 && html`<p>No agent matches.</p>`}
        <${Pager} filters=${filters} data=${data} />
      `}
    </main>
  `;
}
