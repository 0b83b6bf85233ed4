// The app's frame: who is signed in, which page the address names, and the
// top bar. Signed-out tabs go to /sign-in, remembering where they were
// (?next=), and come back there after signing in.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { startLive, stopLive } from './live.js';
import { AgentPage } from './page_agent.js';
import { AgentsPage } from './page_agents.js';
import { AlertsPage } from './page_alerts.js';
import { AuditPage } from './page_audit.js';
import { ConnectorsPage } from './page_connectors.js';
import { DeadLetterPage } from './page_dead_letter.js';
import { DeadLettersPage } from './page_dead_letters.js';
import { DownPage } from './page_down.js';
import { FleetPage } from './page_fleet.js';
import { FlowBundlePage } from './page_flow_bundle.js';
import { FlowDeploymentPage } from './page_flow_deployment.js';
import { FlowsPage } from './page_flows.js';
import { SearchPage } from './page_search.js';
import { SignInPage } from './page_sign_in.js';
import { TracePage } from './page_trace.js';
import { matchRoute, navigate, searchParams, useLocation } from './router.js';
import { TopBar } from './top_bar.js';

// Where to go after signing in: only a path of this app, never another site
// ("//evil.example" is a host, not a path).
function nextOf(search) {
  const next = searchParams(search).next || '';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) {
    return '/fleet';
  }
  return next;
}

function NotFound() {
  return html`
    <main>
      <h1 tabindex="-1">Not found</h1>
      <p>There is no such page. <a href="/fleet">Go to the fleet</a>.</p>
    </main>
  `;
}

function Page({ route, search, user }) {
  switch (route.name) {
    case 'fleet':
      return html`<${FleetPage} />`;
    case 'agents':
      return html`<${AgentsPage} search=${search} />`;
    case 'agent':
      return html`<${AgentPage} key=${route.params.id} id=${route.params.id} />`;
    case 'flows':
      return html`<${FlowsPage} search=${search} user=${user} />`;
    case 'flow-bundle':
      return html`<${FlowBundlePage}
        key=${route.params.version}
        version=${route.params.version}
        search=${search}
        user=${user}
      />`;
    case 'flow-deployment':
      return html`<${FlowDeploymentPage} key=${route.params.seq} seq=${route.params.seq} />`;
    case 'dead-letters':
      return html`<${DeadLettersPage} search=${search} user=${user} />`;
    case 'dead-letter':
      return html`<${DeadLetterPage} key=${route.params.seq} seq=${route.params.seq} />`;
    case 'down':
      return html`<${DownPage} />`;
    case 'connectors':
      return html`<${ConnectorsPage} />`;
    case 'alerts':
      return html`<${AlertsPage} search=${search} user=${user} />`;
    case 'audit':
      return html`<${AuditPage} search=${search} />`;
    case 'search':
      return html`<${SearchPage} search=${search} />`;
    case 'trace':
      return html`<${TracePage} key=${route.params.id} id=${route.params.id} />`;
    case 'home':
      return null; // on its way to /fleet
    default:
      return html`<${NotFound} />`;
  }
}

export function App() {
  const loc = useLocation();
  const route = matchRoute(loc.path);
  // undefined: still asking the server; null: signed out.
  const [user, setUser] = useState(undefined);
  const [bootError, setBootError] = useState(null);
  const [signOutError, setSignOutError] = useState(null);

  function signedIn(session) {
    setCsrfToken(session.csrf_token);
    setUser({ name: session.name, role: session.role });
    setBootError(null);
    startLive();
  }

  function signedOut() {
    stopLive();
    setCsrfToken('');
    setUser(null);
  }

  function askWhoIsSignedIn() {
    setBootError(null);
    api.session().then(signedIn, (err) => {
      // A 401 has already signed the tab out (the handler below).
      if (err.status !== 401) setBootError(err);
    });
  }

  useEffect(() => {
    setUnauthorizedHandler(signedOut);
    askWhoIsSignedIn();
  }, []);

  // The redirects: / to the fleet, a signed-out tab to sign-in, a signed-in
  // tab away from it.
  useEffect(() => {
    if (route.name === 'home') {
      navigate('/fleet', { replace: true });
    } else if (user === null && route.name !== 'sign-in') {
      navigate(`/sign-in?next=${encodeURIComponent(loc.path + loc.search)}`, { replace: true });
    } else if (user && route.name === 'sign-in') {
      navigate(nextOf(loc.search), { replace: true });
    }
  }, [route.name, user, loc.path, loc.search]);

  // A new page: start at its top and put the focus on its heading, so that
  // keyboard and screen-reader users land where a page load would put them.
  const firstPath = useRef(loc.path);
  useEffect(() => {
    if (loc.path === firstPath.current) return;
    firstPath.current = null;
    window.scrollTo(0, 0);
    const heading = document.querySelector('main h1');
    if (heading) heading.focus({ preventScroll: true });
  }, [loc.path]);

  async function signOut() {
    setSignOutError(null);
    try {
      await api.signOut();
    } catch (err) {
      if (err.status !== 401) {
        setSignOutError(err);
        return;
      }
    }
    navigate('/sign-in');
    signedOut();
  }

  if (bootError) {
    return html`
      <main>
        <h1 tabindex="-1">Ferry console</h1>
        <${ErrorBanner} errors=${[bootError]} />
        <button type="button" onClick=${askWhoIsSignedIn}>Try again</button>
      </main>
    `;
  }
  if (user === undefined) return html`<main><p class="muted">Loading…</p></main>`;
  if (user === null) return route.name === 'sign-in' ? html`<${SignInPage} onSignedIn=${signedIn} />` : null;
  return html`
    <${TopBar} route=${route} user=${user} onSignOut=${signOut} />
    ${signOutError && html`<p class="sign-out-error" role="alert">Could not sign out: ${signOutError.message}</p>`}
    <${Page} route=${route} search=${loc.search} user=${user} />
  `;
}
