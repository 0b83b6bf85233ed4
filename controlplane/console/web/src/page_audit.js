// The audit log (GET /api/v1/audit), newest first, a page at a time going
// back with "before"; optionally one user's entries. Both live in the
// address.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, queryString } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { dateTime } from './format.js';
import { navigate, searchParams } from './router.js';
import { useResource } from './use_resource.js';

const PAGE_SIZE = 100;

function UserFilter({ user }) {
  const [value, setValue] = useState(user);
  useEffect(() => setValue(user), [user]);
  function submit(event) {
    event.preventDefault();
    navigate(`/audit${queryString({ user: value.trim() })}`);
  }
  return html`
    <form class="filters" onSubmit=${submit}>
      <p>
        <label for="audit-user">User</label>
        <input id="audit-user" data-testid="audit-filter-user" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} />
      </p>
      <p><button type="submit" data-testid="audit-filter-apply">Apply</button></p>
    </form>
  `;
}

export function AuditPage({ search }) {
  const params = searchParams(search);
  const user = params.user || '';
  const { data, error } = useResource(
    () => api.get('/api/v1/audit', { limit: PAGE_SIZE, before: params.before, user }),
    [search],
    ['audit'],
  );
  return html`
    <main>
      <h1 tabindex="-1">Audit log</h1>
      <${UserFilter} user=${user} />
      <${ErrorBanner} errors=${[error]} />
      ${data &&
      html`
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col" class="num">Seq</th>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">Client</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            ${data.entries.map(
              (e) => html`
                <tr key=${e.sequence} data-testid=${`audit-row-${e.sequence}`}>
                  <td class="num">${e.sequence}</td>
                  <td class="nowrap">${dateTime(e.time_unix_ms)}</td>
                  <td>${e.user}</td>
                  <td><code>${e.action}</code></td>
                  <td>${e.target}</td>
                  <td class="wrap">${e.before}</td>
                  <td class="wrap">${e.after}</td>
                  <td>${e.client}</td>
                  <td class=${String(e.outcome).startsWith('ok') ? '' : 'bad'}>${e.outcome}</td>
                </tr>
              `,
            )}
          </tbody>
        </table>
        ${data.entries.length === 0 && html`<p>No entries.</p>`}
        <nav class="pager" aria-label="Pages of the audit log">
          ${params.before
            ? html`<a href=${`/audit${queryString({ user })}`} data-testid="audit-newest">← Newest</a>`
            : html`<span class="muted">← Newest</span>`}
          ${data.next_before !== null && data.next_before !== undefined
            ? html`<a href=${`/audit${queryString({ user, before: data.next_before })}`} data-testid="audit-older"
                >Older →</a
              >`
            : html`<span class="muted">Older →</span>`}
        </nav>
      `}
    </main>
  `;
}
