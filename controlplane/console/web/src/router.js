// Real paths with history.pushState. Links are plain <a href>: one click
// listener on the document turns a same-tab click on an app link into a
// pushState, so middle-click, "open in new tab" and copying a link keep
// working, and every path also loads on its own (the server answers
// index.html for any GET outside /api/, /metrics and /assets/).

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

function current() {
  return { path: window.location.pathname, search: window.location.search };
}

function notify() {
  const loc = current();
  for (const fn of listeners) fn(loc);
}

export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, window.location.href);
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) {
    // Same place: still tell the pages, so a click on the current link reloads.
    notify();
    return;
  }
  if (replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  notify();
}

// Paths the server serves itself: a link there is a real page load.
function isServerPath(path) {
  return path.startsWith('/api/') || path === '/metrics' || path.startsWith('/assets/');
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest && event.target.closest('a[href]');
  if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || isServerPath(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

export function startRouter() {
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', notify);
}

// The current { path, search }, re-rendering on every navigation.
export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    listeners.add(setLoc);
    return () => listeners.delete(setLoc);
  }, []);
  return loc;
}

// The query string of a location as a plain object of strings.
export function searchParams(search) {
  return Object.fromEntries(new URLSearchParams(search));
}

const routes = [
  { name: 'home', pattern: /^\/$/ },
  { name: 'sign-in', pattern: /^\/sign-in$/ },
  { name: 'fleet', pattern: /^\/fleet$/ },
  { name: 'agents', pattern: /^\/agents$/ },
  { name: 'agent', pattern: /^\/agents\/([^/]+)$/, params: ['id'] },
  { name: 'flows', pattern: /^\/flows$/ },
  { name: 'flow-bundle', pattern: /^\/flows\/bundles\/(\d+)$/, params: ['version'] },
  { name: 'flow-deployment', pattern: /^\/flows\/deployments\/(\d+)$/, params: ['seq'] },
  { name: 'dead-letters', pattern: /^\/dead-letters$/ },
  { name: 'dead-letter', pattern: /^\/dead-letters\/(\d+)$/, params: ['seq'] },
  { name: 'down', pattern: /^\/down$/ },
  { name: 'connectors', pattern: /^\/connectors$/ },
  { name: 'alerts', pattern: /^\/alerts$/ },
  { name: 'audit', pattern: /^\/audit$/ },
  { name: 'search', pattern: /^\/search$/ },
  { name: 'trace', pattern: /^\/trace\/([^/]+)$/, params: ['id'] },
];

// { name, params } for a path; name 'not-found' when no route matches.
export function matchRoute(path) {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const route of routes) {
    const m = route.pattern.exec(trimmed);
    if (!m) continue;
    const params = {};
    try {
      (route.params || []).forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
    } catch {
      break; // a malformed %-escape names nothing
    }
    return { name: route.name, params };
  }
  return { name: 'not-found', params: {} };
}
