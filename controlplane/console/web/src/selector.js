// A deployment's selector: the agent labels it matches, as the API has it
// ({"plant": "hamburg"}), as people type it ("plant=hamburg,line=2") and as
// chips. The empty selector matches every agent.

import { html } from 'htm/preact';

export const MAX_PAIRS = 32; // the API refuses more

// "plant=hamburg, line=2" → { selector } or { error } in words. Blank parts
// (a trailing comma) are skipped; the server checks again.
export function parseSelector(text) {
  const selector = {};
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!key || !value) return { error: `"${part}" is not label=value: both sides must be given.` };
    if (key in selector) return { error: `The label ${key} is given twice.` };
    selector[key] = value;
  }
  if (parts.length > MAX_PAIRS) return { error: `At most ${MAX_PAIRS} labels: ${parts.length} are given.` };
  return { selector };
}

// { plant: "hamburg", line: "2" } → "plant=hamburg,line=2" ('' for every agent).
export function selectorText(selector) {
  return Object.entries(selector || {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

// The selector in words, for sentences: "agents matching plant=hamburg" or
// "every agent".
export function selectorWords(selector) {
  const text = selectorText(selector);
  return text ? `agents matching ${text.replace(/,/g, ', ')}` : 'every agent';
}

export function SelectorChips({ selector }) {
  const entries = Object.entries(selector || {});
  if (!entries.length) return html`<span class="muted">every agent</span>`;
  return html`<ul class="chips">${entries.map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}</ul>`;
}
