// The alert rules (GET and PUT /api/v1/alerts/rules): a table everyone
// reads, and for admins an editor of the whole list, saved in one PUT. The
// server checks the rules and names the first problem by its place
// ("rules[2].window: must be between 1m and 2h"); the editor shows it and
// puts the focus on that field.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';

// Every rule has these; the others are settings of its kind.
const FIXED = ['name', 'kind', 'enabled'];
// Settings the API reads as numbers; the rest are durations ("5m").
const NUMBERS = ['more_than', 'above', 'min_attempts'];

const LABELS = {
  for: 'Hold for',
  repeat: 'Repeat every',
  older_than: 'Older than',
  more_than: 'More than',
  window: 'Window',
  above: 'Failure rate above',
  min_attempts: 'Minimum attempts',
  within: 'Expiring within',
};

// A new rule, or one switched to another kind, starts from these, so that
// what the editor shows is what gets saved.
const STARTING = {
  for: '0s',
  repeat: '4h',
  older_than: '30m',
  more_than: '10',
  window: '1h',
  above: '0.25',
  min_attempts: '20',
  within: '14d',
};

function labelOf(setting) {
  return LABELS[setting] || setting;
}

// The settings of a kind as the API lists them; for a kind this page does
// not know (a newer server), whatever the rule carries.
function settingsOf(kind, kinds, values) {
  const known = kinds.find((k) => k.kind === kind);
  return known ? known.parameters : Object.keys(values).filter((k) => !FIXED.includes(k));
}

let lastKey = 0;

// A rule being edited: each setting as typed. Settings of other kinds stay,
// so switching the kind back and forth loses nothing.
function draftOf(rule) {
  const values = {};
  for (const [k, v] of Object.entries(rule)) if (!FIXED.includes(k)) values[k] = String(v);
  return { key: ++lastKey, name: rule.name, kind: rule.kind, enabled: rule.enabled !== false, values };
}

function withStartingValues(draft, kinds) {
  const values = { ...draft.values };
  for (const s of settingsOf(draft.kind, kinds, values)) if (values[s] === undefined) values[s] = STARTING[s] || '';
  return { ...draft, values };
}

// The rule as the API takes it: only the settings of its kind (it refuses
// others), numbers as numbers, and anything else as typed for the server
// to name what is wrong with it.
function ruleOf(draft, kinds) {
  const rule = { name: draft.name.trim(), kind: draft.kind, enabled: draft.enabled };
  for (const s of settingsOf(draft.kind, kinds, draft.values)) {
    const text = (draft.values[s] || '').trim();
    if (text === '') continue;
    rule[s] = NUMBERS.includes(s) && isFinite(Number(text)) ? Number(text) : text;
  }
  return rule;
}

// "rules[2].window: ..." → the id of that field in the editor.
function fieldOfError(error) {
  const m = error && /^rules\[(\d+)\]\.(\w+)/.exec(error.message || '');
  return m ? `alert-rule-${m[2]}-${m[1]}` : '';
}

function RulesTable({ rules, kinds }) {
  return html`
    <table data-testid="alert-rules">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Enabled</th>
          <th scope="col">Settings</th>
        </tr>
      </thead>
      <tbody>
        ${rules.map(
          (rule) => html`
            <tr key=${rule.name} data-testid="alert-rule-row" data-rule=${rule.name}>
              <th scope="row">${rule.name}</th>
              <td><code>${rule.kind}</code></td>
              <td>${rule.enabled ? 'yes' : html`<span class="muted">no</span>`}</td>
              <td>
                <ul class="settings">
                  ${settingsOf(rule.kind, kinds, rule).map(
                    (s) => html`<li>${labelOf(s)} <strong>${rule[s] ?? '–'}</strong></li>`,
                  )}
                </ul>
              </td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${rules.length === 0 && html`<p>No rule: nothing is watched.</p>`}
  `;
}

function RulesEditor({ rules, kinds, onSaved, onCancel }) {
  const [drafts, setDrafts] = useState(() => rules.map(draftOf));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const added = useRef(false);
  const invalid = fieldOfError(error);

  // A rule just added: its name is the next thing to type.
  useEffect(() => {
    if (!added.current) return;
    added.current = false;
    document.getElementById(`alert-rule-name-${drafts.length - 1}`)?.focus();
  }, [drafts.length]);

  function change(i, patch) {
    setDrafts((ds) => ds.map((d, j) => (j === i ? withStartingValues({ ...d, ...patch }, kinds) : d)));
  }
  function setValue(i, setting, value) {
    setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, values: { ...d.values, [setting]: value } } : d)));
  }
  // Adding or removing a row moves the places the last error named.
  function add() {
    setError(null);
    added.current = true;
    const kind = kinds.length ? kinds[0].kind : 'agent_offline';
    setDrafts((ds) => [...ds, withStartingValues(draftOf({ name: '', kind, enabled: true }), kinds)]);
  }
  function remove(i) {
    setError(null);
    setDrafts((ds) => ds.filter((_, j) => j !== i));
    // Its Remove button goes with it; the focus stays in the editor.
    document.querySelector('[data-testid="alert-rules-add"]')?.focus();
  }

  async function save(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.put('/api/v1/alerts/rules', { rules: drafts.map((d) => ruleOf(d, kinds)) });
      onSaved(answer.rules);
    } catch (err) {
      setBusy(false);
      setError(err);
      document.getElementById(fieldOfError(err))?.focus();
    }
  }

  // id, test id and validity of one field of row i.
  function field(name, i) {
    const id = `alert-rule-${name}-${i}`;
    return { id, 'data-testid': id, 'aria-invalid': id === invalid ? 'true' : undefined };
  }

  const kindNames = kinds.map((k) => k.kind);
  return html`
    <form id="alert-rules-form" onSubmit=${save} noValidate aria-label="Edit the alert rules">
      <${ErrorBanner} errors=${[error]} testid="alert-rules-error" />
      <table data-testid="alert-rules-editor">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Enabled</th>
            <th scope="col">Settings</th>
            <th scope="col"><span class="visually-hidden">Remove</span></th>
          </tr>
        </thead>
        <tbody>
          ${drafts.map(
            (d, i) => html`
              <tr key=${d.key} data-testid="alert-rule-edit-row">
                <td>
                  <label class="visually-hidden" for=${`alert-rule-name-${i}`}>Name of rule ${i + 1}</label>
                  <input
                    ...${field('name', i)}
                    class="rule-name"
                    maxlength="64"
                    value=${d.name}
                    onInput=${(e) => change(i, { name: e.currentTarget.value })}
                  />
                </td>
                <td>
                  <label class="visually-hidden" for=${`alert-rule-kind-${i}`}>Kind of rule ${i + 1}</label>
                  <select
                    ...${field('kind', i)}
                    value=${d.kind}
                    onChange=${(e) => change(i, { kind: e.currentTarget.value })}
                  >
                    ${[...new Set([...kindNames, d.kind])].map((k) => html`<option value=${k}>${k}</option>`)}
                  </select>
                </td>
                <td>
                  <label class="visually-hidden" for=${`alert-rule-enabled-${i}`}>Rule ${i + 1} enabled</label>
                  <input
                    type="checkbox"
                    ...${field('enabled', i)}
                    checked=${d.enabled}
                    onChange=${(e) => change(i, { enabled: e.currentTarget.checked })}
                  />
                </td>
                <td>
                  <div class="rule-settings">
                    ${settingsOf(d.kind, kinds, d.values).map(
                      (s) => html`
                        <p>
                          <label for=${`alert-rule-${s}-${i}`}
                            >${labelOf(s)}<span class="visually-hidden"> of rule ${i + 1}</span></label
                          >
                          <input
                            ...${field(s, i)}
                            inputmode=${NUMBERS.includes(s) ? 'decimal' : undefined}
                            value=${d.values[s] ?? ''}
                            onInput=${(e) => setValue(i, s, e.currentTarget.value)}
                          />
                        </p>
                      `,
                    )}
                  </div>
                </td>
                <td>
                  <button
                    type="button"
                    data-testid=${`alert-rule-remove-${i}`}
                    aria-label=${`Remove rule ${i + 1}${d.name ? ` (${d.name})` : ''}`}
                    onClick=${() => remove(i)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            `,
          )}
        </tbody>
      </table>
      <p class="action-row">
        <button type="button" data-testid="alert-rules-add" onClick=${add}>Add rule</button>
        <button type="submit" data-testid="alert-rules-save" disabled=${busy}>Save</button>
        <button type="button" data-testid="alert-rules-cancel" onClick=${onCancel}>Cancel</button>
      </p>
    </form>
  `;
}

function KindList({ kinds }) {
  return html`
    <details class="alert-kinds" data-testid="alert-kinds">
      <summary>What each kind watches</summary>
      <dl class="fields">
        ${kinds.map(
          (k) => html`
            <dt><code>${k.kind}</code></dt>
            <dd>${k.description} <span class="muted">Settings: ${k.parameters.map(labelOf).join(', ')}.</span></dd>
          `,
        )}
      </dl>
    </details>
  `;
}

// data: the answer of GET /api/v1/alerts/rules. canEdit: the user is an
// admin (the server refuses anyone else's PUT with a 403 anyway).
export function AlertRules({ data, canEdit }) {
  const [editing, setEditing] = useState(false);
  // The PUT's answer, shown until the next load brings the same or newer.
  const [saved, setSaved] = useState(null);
  useEffect(() => setSaved(null), [data]);
  const [notice, setNotice] = useState(false);
  const rules = saved || data.rules;

  // The button pressed goes away: the focus goes to what replaces it.
  const editButton = useRef(null);
  const toggled = useRef(false);
  useEffect(() => {
    if (!toggled.current) return;
    toggled.current = false;
    if (editing) document.querySelector('#alert-rules-form input, #alert-rules-form button')?.focus();
    else editButton.current?.focus();
  }, [editing]);
  function setMode(on) {
    toggled.current = true;
    setEditing(on);
    setNotice(false);
  }

  return html`
    <section aria-labelledby="alert-rules-heading">
      <h2 id="alert-rules-heading">Rules</h2>
      ${editing
        ? html`<${RulesEditor}
            rules=${rules}
            kinds=${data.kinds}
            onSaved=${(answer) => {
              setSaved(answer);
              setMode(false);
              setNotice(true);
            }}
            onCancel=${() => setMode(false)}
          />`
        : html`
            ${notice && html`<p class="outcome" role="status" data-testid="alert-rules-saved">Saved.</p>`}
            <${RulesTable} rules=${rules} kinds=${data.kinds} />
            ${canEdit &&
            html`<p class="action-row">
              <button type="button" ref=${editButton} data-testid="alert-rules-edit" onClick=${() => setMode(true)}>
                Edit rules
              </button>
            </p>`}
          `}
      <${KindList} kinds=${data.kinds} />
    </section>
  `;
}
