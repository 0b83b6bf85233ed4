// The way down (GET /api/v1/down): the CRM records the control plane has
// committed from its inbound channels and no agent has committed yet,
// oldest first, each with what it waits for. A record's whole way, into
// SAP and SAP's answer back, is its trace (/trace/{command id}).

import { html } from 'htm/preact';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { ago, count, dateTime } from './format.js';
import { useResource } from './use_resource.js';

// What a command waits for, in words.
const WAITING_FOR = {
  read: 'its record, read whole from the CRM',
  agent: 'an agent to commit it',
};

export function DownPage() {
  const { data, error } = useResource(() => api.get('/api/v1/down'), [], ['down']);
  return html`
    <main>
      <h1 tabindex="-1">Down</h1>
      <p class="muted">
        CRM records on their way into SAP, waiting at the control plane. Once an agent has committed one it leaves this
        list; its trace shows the rest of its way. To find any record, done or not, search for its id.
      </p>
      <${ErrorBanner} errors=${[error]} />
      ${data &&
      html`
        <p role="status" data-testid="down-total">
          ${data.total === 0 ? 'Nothing waits.' : `${count(data.total)} waiting${data.total > data.commands.length ? `, the oldest ${data.commands.length} shown` : ''}.`}
        </p>
        ${data.commands.length > 0 &&
        html`
          <table data-testid="down-table">
            <thead>
              <tr>
                <th scope="col">Direction</th>
                <th scope="col">Queued</th>
                <th scope="col">Channel</th>
                <th scope="col">CRM</th>
                <th scope="col">Object</th>
                <th scope="col">Record</th>
                <th scope="col">Waiting for</th>
                <th scope="col" class="num">Replays</th>
              </tr>
            </thead>
            <tbody>
              ${data.commands.map((c, i) =>
                c.corrupt
                  ? html`<tr key=${c.seq}><td colspan="8" class="bad">Command ${c.seq} does not read: ${c.corrupt}</td></tr>`
                  : html`
                      <tr key=${c.seq} data-testid=${`down-row-${i}`}>
                        <td data-testid=${`down-direction-${i}`}>${c.direction}</td>
                        <td title=${dateTime(c.queued_unix_ms)}>${ago(c.queued_unix_ms)}</td>
                        <td>${c.channel}</td>
                        <td>${c.crm}</td>
                        <td>${c.object}</td>
                        <td>
                          <a href=${`/trace/${encodeURIComponent(c.command_id)}`} data-testid=${`down-trace-${i}`}
                            ><code>${c.record_id}</code></a
                          >
                        </td>
                        <td data-testid=${`down-waiting-${i}`} data-waiting-for=${c.waiting_for}>
                          ${WAITING_FOR[c.waiting_for] || c.waiting_for}
                        </td>
                        <td class="num">${count(c.replays)}</td>
                      </tr>
                    `,
              )}
            </tbody>
          </table>
        `}
      `}
    </main>
  `;
}
