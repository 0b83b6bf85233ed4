// What a bundle version changes (GET /api/v1/flows/bundles/{v}/diff), per
// flow, against an older version or against the standard flows its flows
// extend. A line starts with "+" (added), "-" (removed) or "~" (changed);
// the colour only repeats it.

import { html } from 'htm/preact';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { useResource } from './use_resource.js';

export const STANDARD = 'standard';

const LINE_KINDS = { '+': 'add', '-': 'remove', '~': 'change' };

const CHANGES = ['changed', 'added', 'removed', 'unchanged'];

function againstWords(against) {
  return against === STANDARD ? 'the standard flows' : `version ${against}`;
}

// What a flow without lines is, in words.
function noLines(change, against) {
  if (change === 'unchanged') return 'No change.';
  if (change === 'added' && against === STANDARD) return "Extends no standard flow: all of it is this bundle's.";
  if (change === 'added') return `Not in version ${against}.`;
  if (change === 'removed') return `In version ${against}, not in this one.`;
  return '';
}

function Flow({ flow, against }) {
  const lines = flow.lines || [];
  const base =
    against === STANDARD
      ? flow.base && html`against standard <code>${flow.base}</code>`
      : flow.base && flow.base !== flow.id && html`against <code>${flow.base}</code> of version ${against}`;
  return html`
    <article class="diff-flow" data-testid="diff-flow" data-flow=${flow.id} data-change=${flow.change}>
      <h3>
        <code>${flow.id}</code> <span class=${`change change-${flow.change}`}>${flow.change}</span>
        ${base && html` <span class="muted">${base}</span>`}
      </h3>
      ${lines.length > 0
        ? html`<ul class="diff-lines">
            ${lines.map((line) => html`<li class=${`diff-${LINE_KINDS[line[0]] || 'same'}`}><code>${line}</code></li>`)}
          </ul>`
        : html`<p class="muted">${noLines(flow.change, against)}</p>`}
    </article>
  `;
}

// "2 changed, 1 added" from the flows' changes, in a fixed order.
function tally(flows) {
  const parts = CHANGES.map((c) => [c, flows.filter((f) => f.change === c).length]).filter(([, n]) => n);
  return parts.map(([c, n]) => `${n} ${c}`).join(', ');
}

// The diff of one choice; keyed by it, so that another choice never shows
// the last one's flows while it loads.
function DiffResult({ version, against }) {
  const { data, error } = useResource(
    () => api.get(`/api/v1/flows/bundles/${version}/diff`, { against }),
    [version, against],
  );
  if (error) return html`<${ErrorBanner} errors=${[error]} testid="diff-error" />`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const flows = data.flows || [];
  if (!flows.length) return html`<p>No flow in this version or in ${againstWords(against)}.</p>`;
  return html`
    <p data-testid="diff-summary">${tally(flows)}.</p>
    <div class="diff">${flows.map((f) => html`<${Flow} key=${f.id} flow=${f} against=${against} />`)}</div>
  `;
}

// A comment as an option's label: the select stays narrow.
function shorten(text) {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

// older: the bundle versions before this one (as GET /api/v1/flows/bundles
// lists them), the choices besides the standard flows. against: the
// version compared with as a string, STANDARD, or '' while not yet known.
export function BundleDiff({ version, against, older, onAgainst }) {
  const choices = older.map((b) => String(b.version));
  // A version named in the address but past the list is still a choice.
  if (against && against !== STANDARD && !choices.includes(against)) choices.unshift(against);
  const comments = Object.fromEntries(older.map((b) => [String(b.version), shorten(b.comment || '')]));
  return html`
    <section aria-labelledby="bundle-diff-heading">
      <h2 id="bundle-diff-heading">Changes</h2>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <p>
          <label for="diff-against">Compare with</label>
          <select
            id="diff-against"
            data-testid="diff-against"
            value=${against}
            disabled=${!against}
            onChange=${(e) => onAgainst(e.currentTarget.value)}
          >
            ${choices.map(
              (v) => html`<option value=${v}>version ${v}${comments[v] ? `: ${comments[v]}` : ''}</option>`,
            )}
            <option value=${STANDARD}>standard flows</option>
          </select>
        </p>
      </form>
      ${against && html`<${DiffResult} key=${against} version=${version} against=${against} />`}
    </section>
  `;
}
