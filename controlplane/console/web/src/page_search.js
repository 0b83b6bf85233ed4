// Search (GET /api/v1/search): events by IDoc number, customer or material
// number, business key or event id, newest first, each with its trace. The
// text lives in the address (?q=, and ?limit= past the first 20), so a
// search can be linked and the back button steps through searches. The
// results follow deliveries and dead-letter actions as they happen.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { timeZoneName } from './format.js';
import { navigate, searchParams } from './router.js';
import { ClockNote, TraceView } from './trace_view.js';
import { useResource } from './use_resource.js';

export const SEARCH_PLACEHOLDER = 'IDoc number, customer or material number, business key, event id';
export const MAX_QUERY = 200; // the API's limit

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

function limitOf(value) {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT ? n : DEFAULT_LIMIT;
}

function SearchForm({ q }) {
  const [value, setValue] = useState(q);
  // The address changed (a link, the back button, the top bar): show it.
  useEffect(() => setValue(q), [q]);
  function submit(event) {
    event.preventDefault();
    navigate(`/search${queryString({ q: value.trim() })}`);
  }
  return html`
    <form class="filters search-form" role="search" aria-label="Search events" onSubmit=${submit}>
      <p class="grow">
        <label for="search-q">Find events by</label>
        <input
          id="search-q"
          type="search"
          data-testid="search-input"
          placeholder=${SEARCH_PLACEHOLDER}
          maxlength=${MAX_QUERY}
          autocomplete="off"
          spellcheck="false"
          value=${value}
          onInput=${(e) => setValue(e.currentTarget.value)}
        />
      </p>
      <p><button type="submit" data-testid="search-submit">Search</button></p>
    </form>
  `;
}

function listOf(words) {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function Summary({ answer, q, limit }) {
  const n = answer.events.length;
  if (!n) {
    return html`<p class="search-summary" role="status" data-testid="search-empty">No event matches “${q}”.</p>`;
  }
  const matched = answer.matched_as || [];
  return html`
    <p class="search-summary" role="status" data-testid="search-summary">
      ${n === limit ? `The newest ${n} events` : `${n} event${n === 1 ? '' : 's'}`}, newest first${matched.length
        ? html`; “${q}” matched as <span data-testid="search-matched-as">${listOf(matched)}</span>.`
        : '.'}
      ${n === limit &&
      limit < MAX_LIMIT &&
      html` <a href=${`/search${queryString({ q, limit: MAX_LIMIT })}`} data-testid="search-more"
          >Show up to ${MAX_LIMIT}</a
        >`}
    </p>
  `;
}

export function SearchPage({ search }) {
  const params = searchParams(search);
  const q = (params.q || '').trim();
  const limit = limitOf(params.limit);
  // The answer carries the text it is for, so a new search never shows the
  // last one's results as its own while it runs.
  const { data, error, loading } = useResource(
    () => (q ? api.get('/api/v1/search', { q, limit }).then((answer) => ({ q, limit, answer })) : Promise.resolve(null)),
    [q, limit],
    ['dead-letters', 'fleet'],
  );
  const current = data && data.q === q && data.limit === limit ? data.answer : null;

  return html`
    <main>
      <h1 tabindex="-1">Search</h1>
      <${SearchForm} q=${q} />
      <${ErrorBanner} errors=${[q ? error : null]} />
      ${!q &&
      html`<p class="muted">
        Whole values: an IDoc number or a customer, material or order number (leading zeros or not), a business key
        such as <code>DEBMAS:0000610002</code>, or an event id.
      </p>`}
      ${q && !current && loading && html`<p class="muted" role="status">Searching…</p>`}
      ${current &&
      html`
        <${Summary} answer=${current} q=${q} limit=${limit} />
        <div class="traces" data-testid="search-results">
          ${current.events.map(
            (trace) => html`<${TraceView} key=${trace.event_id} trace=${trace} testid=${`search-result-${trace.event_id}`} />`,
          )}
        </div>
        ${current.events.length > 0 && html`<${ClockNote} zone=${timeZoneName()} />`}
      `}
    </main>
  `;
}
