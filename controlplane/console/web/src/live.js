// Live updates: one EventSource per tab on /api/v1/events, opened after
// sign-in. The server sends `changed` with the topics that moved ("agents",
// "dead-letters", "audit", "fleet", "alerts", "flows") and `reset` when the
// tab must refetch everything (it missed too much). Pages subscribe to the
// topics their data comes from.
//
// A stream holds one of the browser's six HTTP/1.1 connections to the
// control plane (HTTP/1.1), shared by all its tabs: a tab hidden for more
// than HIDDEN_GRACE_MS (or put in the back/forward cache) lets go of its
// stream, so that a few tabs in the background do not leave the next one
// unable to load. When it is shown again it opens a new stream and
// refetches what it shows.

import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const ALL = null; // a reset touches every topic
const HIDDEN_GRACE_MS = 30000;

let active = false; // signed in: the tab wants a stream
let suspended = false; // let go of while hidden
let source = null;
let status = 'off'; // off | connecting | live | reconnecting | paused
let retryTimer = 0;
let retryDelayMs = 2000;
let hiddenTimer = 0;
const statusListeners = new Set();
const topicListeners = new Set(); // { topics: Set, fn }

function setStatus(next) {
  status = next;
  for (const fn of statusListeners) fn(next);
}

function publish(topics) {
  for (const { topics: wanted, fn } of topicListeners) {
    if (topics === ALL || topics.some((t) => wanted.has(t))) fn();
  }
}

function onChanged(event) {
  let topics = ALL;
  try {
    const data = JSON.parse(event.data);
    if (Array.isArray(data.topics)) topics = data.topics;
  } catch {
    // Unreadable: refetching everything is always correct.
  }
  publish(topics);
}

function onError() {
  if (source.readyState === EventSource.CONNECTING) {
    // The browser reconnects by itself and sends Last-Event-ID.
    setStatus('reconnecting');
    return;
  }
  // CLOSED: an answer that was not an event stream (a 401 after the session
  // expired, a 429 when too many streams are open). The browser gives up
  // there, so ask whether we are still signed in (a 401 sends the tab to
  // sign-in, which stops all this) and try again later, less often each time.
  disconnect();
  setStatus('reconnecting');
  retryTimer = setTimeout(async () => {
    retryTimer = 0;
    try {
      await api.session();
    } catch {
      // Signed out (stopLive() has run), or the server is away.
    }
    if (active && !suspended && !source) connect();
  }, retryDelayMs);
  retryDelayMs = Math.min(retryDelayMs * 2, 60000);
}

function connect() {
  source = new EventSource('/api/v1/events');
  setStatus('connecting');
  source.addEventListener('open', () => {
    retryDelayMs = 2000;
    setStatus('live');
  });
  source.addEventListener('changed', onChanged);
  source.addEventListener('reset', () => publish(ALL));
  source.addEventListener('error', onError);
}

function disconnect() {
  clearTimeout(retryTimer);
  retryTimer = 0;
  if (source) source.close();
  source = null;
}

function suspend() {
  if (!active || suspended) return;
  disconnect();
  suspended = true;
  setStatus('paused');
}

// Back in view: a new stream has no Last-Event-ID, so what changed
// meanwhile is unknown: refetch everything.
function resume() {
  clearTimeout(hiddenTimer);
  hiddenTimer = 0;
  if (!active || !suspended) return;
  suspended = false;
  connect();
  publish(ALL);
}

// Hidden for a while (not just a glance at another tab): let go.
function suspendLater() {
  if (hiddenTimer) return;
  hiddenTimer = setTimeout(() => {
    hiddenTimer = 0;
    suspend();
  }, HIDDEN_GRACE_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') resume();
  else suspendLater();
});
window.addEventListener('pagehide', suspend);
window.addEventListener('pageshow', (event) => {
  if (event.persisted) resume();
});

export function startLive() {
  if (active) return;
  active = true;
  connect();
  // A tab opened in the background lets go too unless it is shown soon.
  if (document.visibilityState === 'hidden') suspendLater();
}

export function stopLive() {
  active = false;
  suspended = false;
  clearTimeout(hiddenTimer);
  hiddenTimer = 0;
  disconnect();
  setStatus('off');
}

// Calls fn, debounced, when a change touches any of `topics`.
export function subscribe(topics, fn, debounceMs = 300) {
  let timer = 0;
  const entry = {
    topics: new Set(topics),
    fn: () => {
      clearTimeout(timer);
      timer = setTimeout(fn, debounceMs);
    },
  };
  topicListeners.add(entry);
  return () => {
    clearTimeout(timer);
    topicListeners.delete(entry);
  };
}

export function useLiveStatus() {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    setValue(status);
    return () => statusListeners.delete(setValue);
  }, []);
  return value;
}
