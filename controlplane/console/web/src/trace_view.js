// One event's trace (a TRACE of GET /api/v1/search and /api/v1/trace/{id}):
// what the event is, what became of it, and its steps in order with the
// time of each and the delay since the one before. Shown by the search
// results and the trace page alike.

import { html } from 'htm/preact';
import { queryString } from './api.js';
import { dateTime, dateTimeMs, delay } from './format.js';

// The outcome in words; the colour is a second cue only.
const OUTCOMES = {
  in_delivery: 'in delivery',
  delivered: 'delivered',
  dead_lettered: 'dead-lettered',
  discarded: 'discarded',
};

// Each step in words, and what its detail is: of an event on its way up
// (an SAP document to a CRM) ...
const STEPS = {
  received: { words: 'Received at the agent' },
  sent: { words: 'Sent by the agent' },
  stored: { words: 'Stored by the control plane' },
  attempt: { words: 'Delivery attempt failed, to be retried', detail: 'CRM answered' },
  delivered: { words: 'Delivered', detail: 'CRM record' },
  dead_lettered: { words: 'Dead-lettered', detail: 'Reason' },
  replayed: { words: 'Replayed' },
  discarded: { words: 'Discarded' },
};

// ... and of a CRM record on its way down into SAP (direction "down").
const DOWN_STEPS = {
  ...STEPS,
  committed: { words: 'Committed by the control plane', detail: 'Came' },
  read: { words: 'Read whole from the CRM' },
  attempt: { words: 'Reading it from the CRM failed, to be retried', detail: 'CRM answered' },
  sent: { words: 'Sent to the agent' },
  committed_by_agent: { words: 'Committed by the agent' },
  answered: { words: 'Run into SAP; SAP\'s answer is on its way to the CRM' },
  dead_lettered: { words: 'Dead-lettered', detail: 'Reason' },
};

// Where a trace's data flows, in words.
const DIRECTIONS = {
  up: 'up: from SAP to a CRM',
  down: 'down: from a CRM into SAP',
};

// The CRM record a down trace is for: the last part of its business key
// (down|<channel>|<record id>).
function downRecordOf(trace) {
  const parts = (trace.business_key || '').split('|');
  return parts.length >= 3 ? parts.slice(2).join('|') : '';
}

// A CRM record on its way down is "delivered" once SAP has taken it.
function outcomeWords(outcome, direction) {
  if (direction === 'down' && outcome === 'delivered') return 'into SAP';
  return OUTCOMES[outcome] || outcome || 'unknown';
}

export function OutcomeBadge({ outcome, direction }) {
  return html`
    <span class=${`trace-outcome trace-outcome-${outcome}`} data-testid="trace-outcome" data-outcome=${outcome}
      >${outcomeWords(outcome, direction)}</span
    >
  `;
}

// Where the steps_dropped attempts were: the control plane keeps the first
// four steps (received, sent, stored, the first attempt) and drops the
// earliest attempt after them, so the gap is before the first attempt past
// those four, or right after them when none is left.
function gapIndex(steps) {
  for (let i = 4; i < steps.length; i++) if (steps[i].step === 'attempt') return i;
  return Math.min(4, steps.length);
}

function StepDetail({ step, steps }) {
  const what = steps[step.step] || {};
  if (step.step === 'delivered' && !step.detail) return html`<span class="muted">the CRM gave no record id</span>`;
  if (!step.detail) return null;
  const text = step.step === 'delivered' ? html`<code>${step.detail}</code>` : step.detail;
  return what.detail ? html`<span class="muted">${what.detail}:</span> ${text}` : text;
}

function Step({ step, previous, steps }) {
  const what = steps[step.step] || { words: step.step };
  const extra = [step.attempt ? `attempt ${step.attempt}` : '', step.connector || ''].filter(Boolean).join(' · ');
  return html`
    <li class=${`step step-${step.step}`} data-testid="trace-step" data-step=${step.step}>
      <time class="step-time" datetime=${step.unix_ms ? new Date(step.unix_ms).toISOString() : undefined}
        >${dateTimeMs(step.unix_ms)}</time
      >
      <span class="step-delay">
        ${previous &&
        html`<span data-testid="trace-step-delay">${delay(step.unix_ms - previous.unix_ms)}</span
          ><span class="visually-hidden"> after the step before</span>`}
      </span>
      <span class="step-name">
        <strong>${what.words}</strong>
        ${extra && html` <span class="muted" data-testid="trace-step-attempt">(${extra})</span>`}
      </span>
      <span class="step-detail"><${StepDetail} step=${step} steps=${steps} /></span>
    </li>
  `;
}

function Steps({ trace }) {
  const steps = trace.steps || [];
  const words = trace.direction === 'down' ? DOWN_STEPS : STEPS;
  const dropped = trace.steps_dropped || 0;
  const gap = dropped > 0 ? gapIndex(steps) : -1;
  const items = [];
  steps.forEach((step, i) => {
    if (i === gap) items.push(html`<${Dropped} key="dropped" count=${dropped} />`);
    items.push(html`<${Step} key=${i} step=${step} previous=${steps[i - 1]} steps=${words} />`);
  });
  if (gap === steps.length) items.push(html`<${Dropped} key="dropped" count=${dropped} />`);
  if (!steps.length) return html`<p class="muted">No steps recorded.</p>`;
  return html`<ol class="steps" aria-label=${`Steps of event ${trace.event_id}`}>${items}</ol>`;
}

function Dropped({ count }) {
  return html`
    <li class="steps-dropped" data-testid="trace-steps-dropped">
      ${count} more delivery attempt${count === 1 ? '' : 's'} here ${count === 1 ? 'is' : 'are'} left out (a trace keeps at
      most 24 steps)
    </li>
  `;
}

function Fact({ name, wide, children }) {
  return html`<div class=${wide ? 'wide' : undefined}><dt>${name}</dt><dd>${children}</dd></div>`;
}

// trace: the API's TRACE. testid: the block's data-testid. link: whether to
// link to the trace's own page (not on that page itself).
export function TraceView({ trace, testid, link = true, headingLevel = 2 }) {
  const headingId = `trace-heading-${trace.event_id}`;
  const Heading = `h${headingLevel}`;
  const down = trace.direction === 'down';
  const record = down ? downRecordOf(trace) : '';
  const title = `${trace.mestyp || 'Event'} ${record || trace.docnum || trace.event_id}`;
  const agentHref = `/agents/${encodeURIComponent(trace.agent_id)}`;
  return html`
    <article class="trace" data-testid=${testid} data-event-id=${trace.event_id} aria-labelledby=${headingId}>
      <div class="trace-head">
        <${Heading} id=${headingId}>
          ${link
            ? html`<a href=${`/trace/${encodeURIComponent(trace.event_id)}`} data-testid="trace-link">${title}</a>`
            : title}
        <//>
        <${OutcomeBadge} outcome=${trace.outcome} direction=${trace.direction} />
      </div>
      <dl class="facts">
        <${Fact} name="Direction"><span data-testid="trace-direction">${DIRECTIONS[trace.direction] || trace.direction}</span><//>
        ${down
          ? html`<${Fact} name="CRM record"><code data-testid="trace-crm-record">${record || '–'}</code><//>
              <${Fact} name="CRM object">
                ${trace.mestyp || '–'}${trace.idoctyp && html` <span class="muted">(${trace.idoctyp})</span>`}
              <//>`
          : html`<${Fact} name="IDoc number">${trace.docnum || '–'}<//>
              <${Fact} name="Message type">
                ${trace.mestyp || '–'}${trace.idoctyp && html` <span class="muted">(${trace.idoctyp})</span>`}
              <//>`}
        <${Fact} name="Agent">${trace.agent_id ? html`<a href=${agentHref}>${trace.agent_id}</a>` : '–'}<//>
        <${Fact} name="Business key">${trace.business_key || '–'}<//>
        <${Fact} name="Connector">${trace.connector || '–'}<//>
        <${Fact} name="Outcome">
          ${outcomeWords(trace.outcome, trace.direction)}
          ${trace.outcome === 'delivered' &&
          !down &&
          (trace.record_id
            ? html`, CRM record <code data-testid="trace-record-id">${trace.record_id}</code>`
            : html`<span class="muted">, no CRM record id</span>`)}
        <//>
        <${Fact} name="Stored">${dateTime(trace.stored_unix_ms)}<//>
        <${Fact} name="Event id" wide=${true}><code class="id">${trace.event_id}</code><//>
        ${trace.flow_id &&
        html`<${Fact} name="Flow">${trace.flow_id}${trace.bundle_version ? ` (bundle ${trace.bundle_version})` : ''}<//>`}
        ${trace.raw_event_id &&
        ((trace.business_key || '').startsWith('down|')
          ? html`<${Fact} name="Down command" wide=${true}>
              <a href=${`/trace/${encodeURIComponent(trace.raw_event_id)}`} data-testid="trace-down-command"
                ><code class="id">${trace.raw_event_id}</code></a
              >
            <//>`
          : html`<${Fact} name="Raw event" wide=${true}><code class="id">${trace.raw_event_id}</code><//>`)}
      </dl>
      ${trace.outcome === 'dead_lettered' &&
      !down &&
      html`
        <p class="trace-dead-letters">
          <a href=${`/dead-letters${queryString({ docnum: trace.docnum })}`} data-testid="trace-dead-letters"
            >Dead letters of IDoc ${trace.docnum}</a
          >${' '}(replay or discard it there)
        </p>
      `}
      <${Steps} trace=${trace} />
    </article>
  `;
}

// Which clock each time is: said once per page, under the traces.
export function ClockNote({ zone }) {
  return html`
    <p class="muted clock-note">
      Times are in ${zone || 'your time zone'}. Received and sent are the agent's clock, the other steps the control
      plane's, so the delay between sent and stored may be off by the clocks' difference.
    </p>
  `;
}
