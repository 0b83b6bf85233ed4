// An agent's state: the word always written, the colour only a second cue.

import { html } from 'htm/preact';

export const STATES = ['healthy', 'degraded', 'stale', 'offline'];

export function StateBadge({ state, testid }) {
  return html`<span class="state state-${state}" data-state=${state} data-testid=${testid}>${state}</span>`;
}
