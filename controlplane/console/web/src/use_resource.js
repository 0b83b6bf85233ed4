// Loads a page's data, again when its inputs change, and again (debounced)
// when a live event touches one of its topics. The last good data stays on
// screen while a refetch runs or fails, with the error beside it.

import { useEffect, useState } from 'preact/hooks';
import { subscribe } from './live.js';

export function useResource(load, deps, topics = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    // An answer for inputs that are no longer current is dropped.
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);

  const reload = () => setGeneration((g) => g + 1);
  useEffect(() => subscribe(topics, reload), [topics.join(',')]);

  return { ...state, reload };
}

// The current time, ticking, for "N s ago" figures that should age on screen.
export function useNow(everyMs = 5000) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
