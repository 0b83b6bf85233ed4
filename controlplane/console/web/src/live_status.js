// The small "live" / "reconnecting" mark in the top bar (live.js has the
// states: off, connecting, live, reconnecting, paused).

import { html } from 'htm/preact';
import { useLiveStatus } from './live.js';

export function LiveStatus() {
  const status = useLiveStatus();
  return html`
    <span
      class=${`live-status live-${status}`}
      data-testid="live-status"
      data-status=${status}
      role="status"
      title="Updates from the control plane as they happen"
      >${status}</span
    >
  `;
}
