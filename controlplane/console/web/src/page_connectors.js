// The connector lanes (GET /api/v1/connectors), counted since the control
// plane started.

import { html } from 'htm/preact';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { count, duration } from './format.js';
import { useResource } from './use_resource.js';

export function ConnectorsPage() {
  // No topic of its own: lane figures move with deliveries, which the
  // fleet topic (its throughput chart) follows.
  const { data, error } = useResource(() => api.get('/api/v1/connectors'), [], ['fleet']);
  return html`
    <main>
      <h1 tabindex="-1">Connectors</h1>
      <${ErrorBanner} errors=${[error]} />
      ${data &&
      html`
        <table data-testid="connectors-table">
          <thead>
            <tr>
              <th scope="col">Connector</th>
              <th scope="col" class="num">Delivered</th>
              <th scope="col" class="num">Dead-lettered</th>
              <th scope="col" class="num">Retries</th>
              <th scope="col" class="num">In flight</th>
              <th scope="col" class="num">Concurrency</th>
              <th scope="col" class="num">Attempts allowed now</th>
              <th scope="col">Paused</th>
            </tr>
          </thead>
          <tbody>
            ${data.connectors.map(
              (c) => html`
                <tr key=${c.connector} data-testid=${`connector-row-${c.connector}`}>
                  <th scope="row">${c.connector}</th>
                  <td class="num">${count(c.delivered)}</td>
                  <td class="num">
                    <a href=${`/dead-letters?connector=${encodeURIComponent(c.connector)}`}>${count(c.dead_lettered)}</a>
                  </td>
                  <td class="num">${count(c.retries)}</td>
                  <td class="num">${count(c.requests_in_flight)}</td>
                  <td class="num">${count(c.concurrency)}</td>
                  <td class="num">${count(c.attempts_allowed)}</td>
                  <td>${c.paused_for_ms > 0 ? html`<span class="bad">for ${duration(c.paused_for_ms)}</span>` : 'no'}</td>
                </tr>
              `,
            )}
          </tbody>
        </table>
        ${data.connectors.length === 0 && html`<p>No connector is configured.</p>`}
      `}
    </main>
  `;
}
