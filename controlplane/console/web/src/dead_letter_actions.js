// Replay and discard (POST /api/v1/dead-letters/replay and /discard), and
// what the API answered: how many were acted on, and each skipped one with
// why. Viewers get the buttons disabled, but the server decides: a 403
// comes back to the page's error banner like any other refusal.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';

// What the API answered, in words. `answer` is {replayed|discarded: [seq],
// skipped: [{seq, reason}], sent_to_agents: [{seq, agent}]}: a dead letter
// the agent could not map goes back to that agent, which maps it again with
// the bundle it runs now; it leaves the list when the agent answers.
export function Outcome({ outcome }) {
  if (!outcome) return null;
  const { kind, answer } = outcome;
  const done = answer[kind === 'replay' ? 'replayed' : 'discarded'] || [];
  const skipped = answer.skipped || [];
  const toAgents = answer.sent_to_agents || [];
  const verb = kind === 'replay' ? 'Replayed' : 'Discarded';
  return html`
    <div class="outcome" role="status" data-testid="dlq-outcome">
      <p>
        ${verb} ${done.length} dead letter${done.length === 1 ? '' : 's'}${done.length ? `: ${done.join(', ')}` : ''}.
        ${toAgents.length > 0 &&
        ` Sent ${toAgents.length} to ${toAgents.length === 1 ? 'its agent' : 'their agents'} to be mapped again` +
          ` (${[...new Set(toAgents.map((t) => t.agent))].join(', ')}).`}
        ${skipped.length > 0 && ` Skipped ${skipped.length}:`}
      </p>
      ${skipped.length > 0 &&
      html`<ul>${skipped.map((s) => html`<li><a href=${`/dead-letters/${s.seq}`}>${s.seq}</a>: ${s.reason}</li>`)}</ul>`}
    </div>
  `;
}

// selected: seqs ticked on the page; filter: the filters the list shows,
// for "Replay all matching". onDone(outcome) / onError(err) report back.
export function DeadLetterActions({ canAct, selected, filter, onDone, onError }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  // "Replay all matching" may touch thousands: it asks once more, naming
  // the filters (none: every dead letter).
  const [confirming, setConfirming] = useState(false);
  // Oldest first: replays of one business key go back in their order.
  const seqs = [...selected].sort((a, b) => a - b);
  const none = seqs.length === 0;

  async function act(kind, body) {
    setBusy(true);
    onError(null);
    try {
      const answer = await api.post(`/api/v1/dead-letters/${kind}`, body);
      if (kind === 'discard') setReason('');
      onDone({ kind, answer });
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  }

  function discard(event) {
    event.preventDefault();
    if (!reason.trim()) {
      onError('Say why these dead letters are discarded: the reason is required and goes to the audit log.');
      document.getElementById('dlq-discard-reason').focus();
      return;
    }
    act('discard', { seqs, reason: reason.trim() });
  }

  const disabled = busy || !canAct;
  return html`
    <section class="actions" aria-label="Act on dead letters">
      ${!canAct && html`<p class="muted">Viewers read only: operators and admins replay and discard.</p>`}
      <div class="action-row">
        <button
          type="button"
          data-testid="dlq-replay-selected"
          disabled=${disabled || none}
          onClick=${() => act('replay', { seqs })}
        >
          Replay selected${none ? '' : ` (${seqs.length})`}
        </button>
        <button
          type="button"
          data-testid="dlq-replay-matching"
          disabled=${disabled || confirming}
          onClick=${() => setConfirming(true)}
          title="Every dead letter the filters match, up to 10,000, not only this page"
        >
          Replay all matching
        </button>
      </div>
      ${confirming &&
      html`<div class="action-row" role="alertdialog" aria-label="Confirm replay">
        <p>
          Replay every dead letter matching
          ${Object.keys(filter).length === 0
            ? html` <strong>no filter: all of them</strong>`
            : Object.entries(filter).map(([k, v]) => html` <strong>${k}=${v}</strong>`)}
          (up to 10,000)?
        </p>
        <button
          type="button"
          data-testid="dlq-replay-matching-confirm"
          disabled=${disabled}
          onClick=${() => {
            setConfirming(false);
            act('replay', { filter });
          }}
        >
          Replay them
        </button>
        <button type="button" onClick=${() => setConfirming(false)}>Cancel</button>
      </div>`}
      <form class="action-row" onSubmit=${discard} noValidate>
        <label for="dlq-discard-reason">Reason for discarding</label>
        <input
          id="dlq-discard-reason"
          data-testid="dlq-discard-reason"
          required
          aria-required="true"
          maxlength="1000"
          placeholder="customer deleted in SAP"
          value=${reason}
          disabled=${!canAct}
          onInput=${(e) => setReason(e.currentTarget.value)}
        />
        <button type="submit" class="danger" data-testid="dlq-discard-selected" disabled=${disabled || none}>
          Discard selected${none ? '' : ` (${seqs.length})`}
        </button>
      </form>
    </section>
  `;
}
