// One event's trace (GET /api/v1/trace/{event id}), as the search shows it,
// following deliveries and dead-letter actions as they happen.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { timeZoneName } from './format.js';
import { ClockNote, TraceView } from './trace_view.js';
import { useResource } from './use_resource.js';

export function TracePage({ id }) {
  const { data, error } = useResource(
    () => api.get(`/api/v1/trace/${encodeURIComponent(id)}`),
    [id],
    ['dead-letters', 'fleet'],
  );
  const shown = data && error?.status !== 404;
  return html`
    <main>
      <p class="crumbs"><a href="/search">Search</a> /</p>
      <h1 tabindex="-1">Trace of event <code class="id">${id}</code></h1>
      <${ErrorBanner} errors=${[error]} />
      ${shown &&
      html`
        <div class="traces">
          <${TraceView} trace=${data} testid=${`trace-${data.event_id}`} link=${false} />
        </div>
        <p class="trace-links">
          ${data.docnum &&
          html`<a href=${`/search${queryString({ q: data.docnum })}`} data-testid="trace-search-docnum"
            >Every event of IDoc ${data.docnum}</a
          >`}
          ${data.business_key &&
          html`<a href=${`/search${queryString({ q: data.business_key })}`} data-testid="trace-search-key"
            >Every event of ${data.business_key}</a
          >`}
        </p>
        <${ClockNote} zone=${timeZoneName()} />
      `}
    </main>
  `;
}
