// One dead letter (GET /api/v1/dead-letters/{seq}): the summary, where it
// came from, the records the flow mapped and the raw IDoc when the event
// carried it.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { dateTime } from './format.js';
import { useResource } from './use_resource.js';

function Field({ name, children }) {
  return html`<dt>${name}</dt><dd>${children}</dd>`;
}

function Records({ records }) {
  if (!records || !records.length) return html`<p>None: the flow mapped nothing.</p>`;
  return html`
    <table class="records">
      <thead>
        <tr>
          <th scope="col">Record</th>
          <th scope="col">Object</th>
          <th scope="col">Action</th>
          <th scope="col">External id</th>
          <th scope="col">Fields</th>
        </tr>
      </thead>
      <tbody>
        ${records.map(
          (r) => html`
            <tr>
              <td>${r.record}</td>
              <td>${r.object}</td>
              <td>${r.action}</td>
              <td>${r.external_id || '–'}</td>
              <td><pre>${typeof r.fields === 'string' ? r.fields : JSON.stringify(r.fields, null, 2)}</pre></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

function Detail({ dl }) {
  if (dl.corrupt !== undefined) {
    return html`
      <p><span class="bad">This record no longer decodes:</span> ${dl.corrupt}</p>
      <p>It can only be discarded, from the <a href="/dead-letters">dead-letter list</a>.</p>
    `;
  }
  return html`
    <section aria-labelledby="dl-summary">
      <h2 id="dl-summary">Why</h2>
      <dl class="fields">
        <${Field} name="Reason"><span class="reason">${dl.reason}</span><//>
        <${Field} name="Could not be mapped">
          ${dl.mapping_error
            ? html`yes: a replay skips it; the agent maps its raw IDoc again with
                <code>ferry-agent queue retry ${dl.docnum}</code> on ${dl.agent_id}`
            : 'no'}
        <//>
        <${Field} name="Attempts">${dl.attempts}<//>
        <${Field} name="Dead-lettered">${dateTime(dl.dead_lettered_unix_ms)}<//>
        <${Field} name="Connector">${dl.connector}<//>
      </dl>
    </section>
    <section aria-labelledby="dl-event">
      <h2 id="dl-event">The event</h2>
      <dl class="fields">
        <${Field} name="Event id"><code>${dl.event_id}</code><//>
        <${Field} name="Agent"><a href=${`/agents/${encodeURIComponent(dl.agent_id)}`}>${dl.agent_id}</a><//>
        <${Field} name="Message type">${dl.mestyp}<//>
        <${Field} name="IDoc type">${dl.idoctyp || '–'}<//>
        <${Field} name="IDoc number">${dl.docnum}<//>
        <${Field} name="Sender">${dl.sender || '–'}<//>
        <${Field} name="Business key">${dl.business_key}<//>
        <${Field} name="Received">${dateTime(dl.received_unix_ms)}<//>
        <${Field} name="Flow">${dl.flow_id || '–'}<//>
        <${Field} name="Bundle version">${dl.bundle_version ?? '–'}<//>
      </dl>
      <p>
        <a href=${`/dead-letters${queryString({ agent: dl.agent_id, docnum: dl.docnum })}`}
          >Other dead letters of this IDoc</a
        >
      </p>
    </section>
    <section aria-labelledby="dl-records">
      <h2 id="dl-records">Mapped records</h2>
      <${Records} records=${dl.records} />
    </section>
    ${dl.raw !== undefined &&
    html`
      <section aria-labelledby="dl-raw">
        <h2 id="dl-raw">Raw IDoc${dl.raw_content_type ? ` (${dl.raw_content_type})` : ''}</h2>
        <pre class="raw" data-testid="dlq-raw" tabindex="0">${dl.raw}</pre>
      </section>
    `}
  `;
}

export function DeadLetterPage({ seq }) {
  const { data, error } = useResource(() => api.get(`/api/v1/dead-letters/${seq}`), [seq], ['dead-letters']);
  return html`
    <main>
      <p class="crumbs"><a href="/dead-letters">Dead letters</a> /</p>
      <h1 tabindex="-1">Dead letter ${seq}</h1>
      <${ErrorBanner} errors=${[error]} />
      ${data && error?.status !== 404 && html`<${Detail} dl=${data} />`}
    </main>
  `;
}
