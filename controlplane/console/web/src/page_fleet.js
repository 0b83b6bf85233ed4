// The fleet at a glance (GET /api/v1/fleet): agents by state, throughput
// over the last hour, what waits longest, and what is failing.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { bytes, count, duration } from './format.js';
import { STATES } from './state_badge.js';
import { ThroughputChart } from './throughput_chart.js';
import { useResource } from './use_resource.js';

function StateCounts({ byState, total }) {
  return html`
    <ul class="state-counts">
      ${STATES.map(
        (state) => html`
          <li>
            <a class=${`state-count state-${state}`} href=${`/agents${queryString({ state })}`}>
              <strong data-testid=${`fleet-count-${state}`}>${count(byState[state] || 0)}</strong>
              <span>${state}</span>
            </a>
          </li>
        `,
      )}
      <li>
        <a class="state-count" href="/agents"><strong>${count(total)}</strong> <span>in all</span></a>
      </li>
    </ul>
  `;
}

function TopReasons({ reasons }) {
  if (!reasons.length) return html`<p>None in the last hour.</p>`;
  return html`
    <table>
      <thead>
        <tr><th scope="col">Reason</th><th scope="col" class="num">Dead letters</th></tr>
      </thead>
      <tbody>
        ${reasons.map(
          (r) => html`
            <tr>
              <td><a href=${`/dead-letters${queryString({ reason: r.reason })}`}>${r.reason}</a></td>
              <td class="num">${count(r.count)}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

// Each lane is a connector object as in GET /api/v1/connectors; a bare name
// is shown as it is.
function PausedLanes({ lanes }) {
  if (!lanes.length) return html`<p>None.</p>`;
  return html`
    <ul>
      ${lanes.map((lane) =>
        typeof lane === 'string'
          ? html`<li><strong>${lane}</strong></li>`
          : html`<li><strong>${lane.connector}</strong>: paused for ${duration(lane.paused_for_ms)}</li>`,
      )}
    </ul>
  `;
}

export function FleetPage() {
  const { data, error } = useResource(() => api.get('/api/v1/fleet'), [], ['fleet']);
  return html`
    <main>
      <h1 tabindex="-1">Fleet</h1>
      <${ErrorBanner} errors=${[error]} />
      ${data &&
      html`
        <section aria-labelledby="fleet-agents">
          <h2 id="fleet-agents">Agents by state</h2>
          <${StateCounts} byState=${data.agents_by_state} total=${data.agents_total} />
        </section>
        <section aria-labelledby="fleet-throughput">
          <h2 id="fleet-throughput">Events per minute, last hour</h2>
          <${ThroughputChart} perMinute=${data.per_minute} />
        </section>
        <div class="figures">
          <section aria-labelledby="fleet-oldest">
            <h2 id="fleet-oldest">Oldest unsent event</h2>
            ${data.oldest_unsent
              ? html`<p><strong>${duration(data.oldest_unsent.age_ms)}</strong> old, at ${data.oldest_unsent.where}</p>`
              : html`<p>Nothing waits.</p>`}
          </section>
          <section aria-labelledby="fleet-queue">
            <h2 id="fleet-queue">Delivery queue</h2>
            <p>
              <strong>${count(data.delivery_queue.depth)}</strong> events (${bytes(data.delivery_queue.bytes)})
            </p>
          </section>
          <section aria-labelledby="fleet-dlq">
            <h2 id="fleet-dlq">Dead letters</h2>
            <p>
              <strong>${count(data.dead_letters_last_hour)}</strong> in the last hour,
              ${' '}<a href="/dead-letters">${count(data.dead_letters_stored)} stored</a>
            </p>
          </section>
        </div>
        <section aria-labelledby="fleet-reasons">
          <h2 id="fleet-reasons">Top reasons, last hour</h2>
          <${TopReasons} reasons=${data.top_reasons_last_hour} />
        </section>
        <section aria-labelledby="fleet-paused">
          <h2 id="fleet-paused">Connector lanes paused</h2>
          <${PausedLanes} lanes=${data.lanes_paused} />
        </section>
      `}
    </main>
  `;
}
