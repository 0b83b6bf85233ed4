// The dead-letter queue (GET /api/v1/dead-letters), newest first, filtered
// by the fields the API knows; rows can be ticked for replay or discard.
// Filters and the page ("before") live in the address.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, queryString } from './api.js';
import { DeadLetterActions, Outcome } from './dead_letter_actions.js';
import { ErrorBanner } from './error_banner.js';
import { count, dateTime } from './format.js';
import { navigate, searchParams } from './router.js';
import { useResource } from './use_resource.js';

const PAGE_SIZE = 50;

const FILTERS = [
  { name: 'connector', label: 'Connector' },
  { name: 'agent', label: 'Agent' },
  { name: 'mestyp', label: 'Message type' },
  { name: 'docnum', label: 'IDoc number' },
  { name: 'reason', label: 'Reason contains' },
];

// The filters as they are in the address, without empty ones: the same
// object is the list's query and the body's "filter" for Replay all matching.
function filterOf(params) {
  const filter = {};
  for (const { name } of FILTERS) if (params[name]) filter[name] = params[name];
  return filter;
}

function FilterForm({ filter }) {
  const [values, setValues] = useState(filter);
  const key = JSON.stringify(filter);
  useEffect(() => setValues(filter), [key]);

  function submit(event) {
    event.preventDefault();
    const trimmed = {};
    for (const { name } of FILTERS) trimmed[name] = (values[name] || '').trim();
    navigate(`/dead-letters${queryString(trimmed)}`);
  }

  return html`
    <form class="filters" onSubmit=${submit}>
      ${FILTERS.map(
        ({ name, label }) => html`
          <p>
            <label for=${`dlq-filter-${name}`}>${label}</label>
            <input
              id=${`dlq-filter-${name}`}
              data-testid=${`dlq-filter-${name}`}
              value=${values[name] || ''}
              onInput=${(e) => setValues({ ...values, [name]: e.currentTarget.value })}
            />
          </p>
        `,
      )}
      <p class="buttons">
        <button type="submit" data-testid="dlq-filter-apply">Apply</button>
        ${' '}<a href="/dead-letters">Clear</a>
      </p>
    </form>
  `;
}

function Row({ dl, checked, onToggle }) {
  const select = html`
    <td>
      <input
        type="checkbox"
        data-testid=${`dlq-select-${dl.seq}`}
        aria-label=${`Select dead letter ${dl.seq}`}
        checked=${checked}
        onChange=${(e) => onToggle(dl.seq, e.currentTarget.checked)}
      />
    </td>
  `;
  const seq = html`<td class="num"><a href=${`/dead-letters/${dl.seq}`}>${dl.seq}</a></td>`;
  if (dl.corrupt !== undefined) {
    return html`
      <tr data-testid=${`dlq-row-${dl.seq}`} class="corrupt">
        ${select}${seq}
        <td colspan="8"><span class="bad">Does not decode:</span> ${dl.corrupt} (it can only be discarded)</td>
      </tr>
    `;
  }
  return html`
    <tr data-testid=${`dlq-row-${dl.seq}`}>
      ${select}${seq}
      <td class="nowrap">${dateTime(dl.dead_lettered_unix_ms)}</td>
      <td class="nowrap"><a href=${`/agents/${encodeURIComponent(dl.agent_id)}`}>${dl.agent_id}</a></td>
      <td data-testid=${`dlq-direction-${dl.seq}`}>${dl.direction}</td>
      <td>${dl.connector}</td>
      <td>${dl.document_type}</td>
      <td data-testid=${`dlq-document-${dl.seq}`}>${dl.document_id}</td>
      <td class="num">${dl.attempts}</td>
      <td class="reason">
        ${dl.mapping_error && html`<span class="tag">could not map</span> `}${dl.reason}
      </td>
    </tr>
  `;
}

export function DeadLettersPage({ search, user }) {
  const params = searchParams(search);
  const filter = filterOf(params);
  const { data, error, reload } = useResource(
    () => api.get('/api/v1/dead-letters', { ...filter, before: params.before, limit: PAGE_SIZE }),
    [search],
    ['dead-letters'],
  );
  const [selected, setSelected] = useState(new Set());
  const [outcome, setOutcome] = useState(null);
  const [actionError, setActionError] = useState(null);

  // Another filter or page: the last action's answer was about that one.
  useEffect(() => {
    setOutcome(null);
    setActionError(null);
  }, [search]);

  // Ticks only for rows still shown: a replayed or discarded row is gone.
  const rows = data ? data.dead_letters : [];
  useEffect(() => {
    const shown = new Set(rows.map((r) => r.seq));
    setSelected((s) => new Set([...s].filter((seq) => shown.has(seq))));
  }, [data]);

  function toggle(seq, on) {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(seq);
      else next.delete(seq);
      return next;
    });
  }
  const allTicked = rows.length > 0 && rows.every((r) => selected.has(r.seq));

  return html`
    <main>
      <h1 tabindex="-1">Dead letters</h1>
      <${FilterForm} filter=${filter} />
      <${ErrorBanner} errors=${[error, actionError]} />
      <${DeadLetterActions}
        canAct=${user.role !== 'viewer'}
        selected=${selected}
        filter=${filter}
        onDone=${(o) => {
          setOutcome(o);
          reload();
        }}
        onError=${setActionError}
      />
      <${Outcome} outcome=${outcome} />
      ${data &&
      html`
        <table data-testid="dlq-table">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  data-testid="dlq-select-all"
                  aria-label="Select every dead letter on this page"
                  checked=${allTicked}
                  onChange=${(e) => setSelected(new Set(e.currentTarget.checked ? rows.map((r) => r.seq) : []))}
                />
              </th>
              <th scope="col" class="num">Seq</th>
              <th scope="col">Dead-lettered</th>
              <th scope="col">Agent</th>
              <th scope="col" title="up: from SAP to a CRM; down: from a CRM into SAP">Direction</th>
              <th scope="col">Connector</th>
              <th scope="col" title="an IDoc's message type, or a CRM record's object">Type</th>
              <th scope="col" title="an IDoc's number, or a CRM record's id">Document</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((dl) => html`<${Row} key=${dl.seq} dl=${dl} checked=${selected.has(dl.seq)} onToggle=${toggle} />`)}
          </tbody>
        </table>
        ${rows.length === 0 && html`<p>No dead letter on this page matches.</p>`}
        <nav class="pager" aria-label="Pages of dead letters">
          ${params.before
            ? html`<a href=${`/dead-letters${queryString(filter)}`} data-testid="dlq-newest">← Newest</a>`
            : html`<span class="muted">← Newest</span>`}
          <span>${count(data.total_stored)} stored in all</span>
          ${data.next_before !== null && data.next_before !== undefined
            ? html`<a href=${`/dead-letters${queryString({ ...filter, before: data.next_before })}`} data-testid="dlq-older"
                >Older →</a
              >`
            : html`<span class="muted">Older →</span>`}
        </nav>
      `}
    </main>
  `;
}
