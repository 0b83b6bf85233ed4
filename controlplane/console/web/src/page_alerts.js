// Alerts (GET /api/v1/alerts, /alerts/history and /alerts/rules): what
// fires now, what holds but has not fired yet, where notifications go,
// what was sent, and the rules. The history's page ("before") lives in the
// address.

import { html } from 'htm/preact';
import { api, queryString } from './api.js';
import { AlertRules } from './alert_rules.js';
import { ErrorBanner } from './error_banner.js';
import { ago, count, dateTime } from './format.js';
import { searchParams } from './router.js';
import { useNow, useResource } from './use_resource.js';

const PAGE_SIZE = 20; // one section of several: the rules stay in reach
// A notification about a thousand agents names the first few in the
// history; the rest are counted.
const SUBJECTS_SHOWN = 10;

// Subjects of these kinds are agent ids (alert_rules.h); the others name
// the fleet or a connector.
function isAgentKind(kind) {
  return /^agent_/.test(kind) || ['oldest_unsent', 'bundle_rejected', 'certificate_expiring'].includes(kind);
}

function Subject({ kind, subject }) {
  if (!isAgentKind(kind)) return subject;
  return html`<a href=${`/agents/${encodeURIComponent(subject)}`}>${subject}</a>`;
}

// The alerts API gives ISO 8601 times; they read like every other time
// in the console.
function Since({ iso, now }) {
  const ms = Date.parse(iso);
  return html`<span title=${iso}>${dateTime(ms)}</span> <span class="muted">(${ago(ms, now)})</span>`;
}

// Firing or pending alerts: { rule, kind, subject, summary, since[, firing_since] }.
function AlertTable({ alerts, name, sinceLabel, sinceOf, now, empty }) {
  return html`
    <table data-testid=${`alerts-${name}`}>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Subject</th>
          <th scope="col">Summary</th>
          <th scope="col">${sinceLabel}</th>
        </tr>
      </thead>
      <tbody>
        ${alerts.map(
          (a) => html`
            <tr
              key=${`${a.rule}/${a.subject}`}
              data-testid=${`alerts-${name}-row`}
              data-rule=${a.rule}
              data-subject=${a.subject}
            >
              <td>${a.rule}</td>
              <td class="nowrap"><${Subject} kind=${a.kind} subject=${a.subject} /></td>
              <td class="wrap">${a.summary}</td>
              <td class="nowrap"><${Since} iso=${sinceOf(a)} now=${now} /></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${alerts.length === 0 && html`<p>${empty}</p>`}
  `;
}

function Channels({ channels }) {
  return html`
    <table data-testid="alerts-channels">
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col" class="num">Sent</th>
          <th scope="col" class="num">Failed</th>
          <th scope="col" class="num">Waiting to send</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        ${channels.map(
          (c) => html`
            <tr key=${c.name} data-testid="alerts-channel-row" data-channel=${c.name}>
              <th scope="row">${c.name}</th>
              <td class="num">${count(c.sent)}</td>
              <td class="num">${count(c.failed)}</td>
              <td class="num">${count(c.pending)}</td>
              <td class="reason">${c.last_error ? html`<span class="bad">${c.last_error}</span>` : 'none'}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${channels.length === 0 && html`<p>No channel is configured: alerts are shown here only.</p>`}
  `;
}

function Subjects({ kind, alerts }) {
  const more = alerts.length - SUBJECTS_SHOWN;
  return html`
    ${alerts.slice(0, SUBJECTS_SHOWN).map(
      (a, i) => html`${i > 0 && ', '}<span title=${a.summary}><${Subject} kind=${kind} subject=${a.subject} /></span>`,
    )}
    ${more > 0 && ` and ${count(more)} more`}
  `;
}

function History({ data, before }) {
  return html`
    <table data-testid="alerts-history">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Change</th>
          <th scope="col">Rule</th>
          <th scope="col">Subjects</th>
        </tr>
      </thead>
      <tbody>
        ${data.notifications.map(
          (n) => html`
            <tr key=${n.seq} data-testid="alerts-history-row" data-change=${n.change} data-rule=${n.rule}>
              <td class="nowrap" title=${n.at}>${dateTime(Date.parse(n.at))}</td>
              <td><span class=${`change change-${n.change}`}>${n.change}</span></td>
              <td>${n.rule}</td>
              <td class="wrap"><${Subjects} kind=${n.kind} alerts=${n.alerts || []} /></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${data.notifications.length === 0 && html`<p>No notification on this page.</p>`}
    <nav class="pager" aria-label="Pages of the alert history">
      ${before
        ? html`<a href="/alerts" data-testid="alerts-history-newest">← Newest</a>`
        : html`<span class="muted">← Newest</span>`}
      ${data.next_before
        ? html`<a href=${`/alerts${queryString({ before: data.next_before })}`} data-testid="alerts-history-older"
            >Older →</a
          >`
        : html`<span class="muted">Older →</span>`}
    </nav>
  `;
}

export function AlertsPage({ search, user }) {
  const before = searchParams(search).before;
  const now = useNow();
  const status = useResource(() => api.get('/api/v1/alerts'), [], ['alerts']);
  const history = useResource(
    () => api.get('/api/v1/alerts/history', { before, limit: PAGE_SIZE }),
    [before],
    ['alerts'],
  );
  const rules = useResource(() => api.get('/api/v1/alerts/rules'), [], ['alerts']);
  const s = status.data;

  return html`
    <main>
      <h1 tabindex="-1">Alerts</h1>
      <${ErrorBanner} errors=${[status.error, history.error, rules.error]} />
      ${s &&
      html`
        <section aria-labelledby="alerts-firing-heading">
          <h2 id="alerts-firing-heading">Firing (${count(s.firing.length)})</h2>
          <${AlertTable}
            alerts=${s.firing}
            name="firing"
            sinceLabel="Firing since"
            sinceOf=${(a) => a.firing_since || a.since}
            now=${now}
            empty="Nothing is firing."
          />
        </section>
        <section aria-labelledby="alerts-pending-heading">
          <h2 id="alerts-pending-heading">Pending (${count(s.pending.length)})</h2>
          <p class="muted">Holding, but not yet for as long as their rule's "hold for".</p>
          <${AlertTable}
            alerts=${s.pending}
            name="pending"
            sinceLabel="Holding since"
            sinceOf=${(a) => a.since}
            now=${now}
            empty="Nothing is pending."
          />
        </section>
        <section aria-labelledby="alerts-channels-heading">
          <h2 id="alerts-channels-heading">Channels</h2>
          <${Channels} channels=${s.channels} />
        </section>
      `}
      ${history.data &&
      html`
        <section aria-labelledby="alerts-history-heading">
          <h2 id="alerts-history-heading">History</h2>
          <${History} data=${history.data} before=${before} />
        </section>
      `}
      ${rules.data && html`<${AlertRules} data=${rules.data} canEdit=${user.role === 'admin'} />`}
    </main>
  `;
}
