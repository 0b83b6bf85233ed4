// How far a deployment has got: "1 of 2 running, 1 pending, 0 rejected"
// and a bar of the same. "Of" counts the agents that should run it now; an
// agent a newer deployment matches runs that one instead (superseded).

import { html } from 'htm/preact';
import { count } from './format.js';

// The counts of a rollout's agents (GET .../rollout), in the shape of the
// deployment list's "rollout" object, plus the superseded ones.
export function rolloutCounts(agents) {
  const n = { targeted: 0, running: 0, pending: 0, rejected: 0, superseded: 0 };
  for (const a of agents) {
    if (a.state === 'superseded') {
      n.superseded++;
      continue;
    }
    n.targeted++;
    if (n[a.state] !== undefined) n[a.state]++;
  }
  return n;
}

function percent(part, whole) {
  return `${whole ? (100 * part) / whole : 0}%`;
}

// rollout: { targeted, running, pending, rejected }. The words say it all;
// the bar is for the eye only.
export function RolloutSummary({ rollout, testid }) {
  const { targeted = 0, running = 0, pending = 0, rejected = 0 } = rollout || {};
  if (!targeted) {
    return html`
      <span class="muted" data-testid=${testid} title="No known agent matches it, or a newer deployment matches each"
        >no agent should run it now</span
      >
    `;
  }
  return html`
    <span class="rollout" data-testid=${testid}>
      <span class="rollout-bar" aria-hidden="true">
        <span class="rollout-running" style=${{ width: percent(running, targeted) }}></span>
        <span class="rollout-rejected" style=${{ width: percent(rejected, targeted) }}></span>
      </span>
      <span>
        ${count(running)} of ${count(targeted)} running, ${count(pending)} pending,
        ${' '}<span class=${rejected ? 'bad' : ''}>${count(rejected)} rejected</span>
      </span>
    </span>
  `;
}
