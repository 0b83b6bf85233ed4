// The navigation, the search box, who is signed in, and signing out.

import { html } from 'htm/preact';
import { api } from './api.js';
import { LiveStatus } from './live_status.js';
import { TopBarSearch } from './top_bar_search.js';
import { useResource } from './use_resource.js';

const PAGES = [
  { name: 'fleet', href: '/fleet', label: 'Fleet', matches: ['fleet'] },
  { name: 'agents', href: '/agents', label: 'Agents', matches: ['agents', 'agent'] },
  { name: 'flows', href: '/flows', label: 'Flows', matches: ['flows', 'flow-bundle', 'flow-deployment'] },
  { name: 'dead-letters', href: '/dead-letters', label: 'Dead letters', matches: ['dead-letters', 'dead-letter'] },
  { name: 'down', href: '/down', label: 'Down', matches: ['down'] },
  { name: 'connectors', href: '/connectors', label: 'Connectors', matches: ['connectors'] },
  { name: 'alerts', href: '/alerts', label: 'Alerts', matches: ['alerts'] },
  { name: 'audit', href: '/audit', label: 'Audit', matches: ['audit'] },
  { name: 'search', href: '/search', label: 'Search', matches: ['search', 'trace'] },
];

// How many alerts fire, beside the Alerts link on every page: refetched
// only when the alerts topic moves. A failure shows nothing here; the
// Alerts page says what went wrong.
function FiringCount() {
  const { data } = useResource(() => api.get('/api/v1/alerts'), [], ['alerts']);
  const firing = data && data.firing ? data.firing.length : 0;
  if (!firing) return null;
  return html`
    <span class="nav-count" data-testid="nav-alerts-firing"
      >${firing}<span class="visually-hidden"> firing</span></span
    >
  `;
}

export function TopBar({ route, user, onSignOut }) {
  return html`
    <header class="top-bar">
      <a class="brand" href="/fleet">Ferry console</a>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.map(
            (p) => html`
              <li>
                <a
                  href=${p.href}
                  data-testid=${`nav-${p.name}`}
                  aria-current=${p.matches.includes(route.name) ? 'page' : undefined}
                  >${p.label}${p.name === 'alerts' && html`<${FiringCount} />`}</a
                >
              </li>
            `,
          )}
        </ul>
      </nav>
      ${route.name !== 'search' && html`<${TopBarSearch} />`}
      <div class="who">
        <${LiveStatus} />
        <span class="user">
          <span data-testid="user-name">${user.name}</span>
          ${' '}(<span data-testid="user-role">${user.role}</span>)
        </span>
        <button type="button" data-testid="sign-out" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
  `;
}
