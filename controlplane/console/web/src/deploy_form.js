// Deploying one bundle version (POST /api/v1/flows/deployments), on the
// version's page and after an upload. The selector starts as the newest
// deployment's, so the usual next step (the same agents, a newer version)
// is one confirmation away; a version older than the newest deployment's
// is a rollback, and says so. Deploying asks once more, naming the agents,
// then goes to the new deployment's rollout.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorBanner } from './error_banner.js';
import { navigate } from './router.js';
import { parseSelector, selectorText, selectorWords } from './selector.js';
import { useResource } from './use_resource.js';

function Form({ version, rollback, newest }) {
  const [selector, setSelector] = useState(() => selectorText(newest && newest.selector));
  const [comment, setComment] = useState(rollback ? `rollback to version ${version}` : '');
  // The parsed selector waiting for "Confirm", or null.
  const [confirming, setConfirming] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [invalid, setInvalid] = useState(false);
  const confirmButton = useRef(null);
  const submitButton = useRef(null);

  // The button pressed goes away or comes back: the focus follows.
  const toggled = useRef(false);
  useEffect(() => {
    if (!toggled.current) return;
    toggled.current = false;
    (confirming ? confirmButton : submitButton).current?.focus();
  }, [confirming]);
  function confirm(next) {
    toggled.current = true;
    setConfirming(next);
  }

  function ask(event) {
    event.preventDefault();
    setError(null);
    const parsed = parseSelector(selector);
    setInvalid(Boolean(parsed.error));
    if (parsed.error) {
      setError(parsed.error);
      document.getElementById(`deploy-selector-${version}`)?.focus();
      return;
    }
    confirm(parsed.selector);
  }

  async function deploy() {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post('/api/v1/flows/deployments', {
        version,
        selector: confirming,
        comment: comment.trim(),
      });
      navigate(`/flows/deployments/${answer.sequence}`);
    } catch (err) {
      setBusy(false);
      setError(err);
      confirm(null);
    }
  }

  // Changing what was asked about withdraws the question.
  function edit(set) {
    return (e) => {
      set(e.currentTarget.value);
      if (confirming) confirm(null);
    };
  }

  const hint = `deploy-selector-hint-${version}`;
  return html`
    <form class="filters" data-testid="deploy-form" data-version=${version} onSubmit=${ask} noValidate>
      <p>
        <span class="label">Version</span>
        <strong>${version}</strong>
      </p>
      <p class="grow">
        <label for=${`deploy-selector-${version}`}>Agents matching</label>
        <input
          id=${`deploy-selector-${version}`}
          data-testid="deploy-selector"
          placeholder="plant=hamburg,line=2"
          aria-describedby=${hint}
          aria-invalid=${invalid ? 'true' : undefined}
          value=${selector}
          onInput=${edit(setSelector)}
        />
      </p>
      <p class="grow">
        <label for=${`deploy-comment-${version}`}>Comment</label>
        <input
          id=${`deploy-comment-${version}`}
          data-testid="deploy-comment"
          maxlength="500"
          value=${comment}
          onInput=${edit(setComment)}
        />
      </p>
      <p class="buttons">
        <button type="submit" ref=${submitButton} data-testid="deploy-submit" disabled=${busy || Boolean(confirming)}>
          ${rollback ? 'Roll back…' : 'Deploy…'}
        </button>
      </p>
      <p id=${hint} class="hint muted">
        Agents matching: label=value pairs, comma-separated, all of which an agent's labels must have. Empty: every
        agent.
      </p>
    </form>
    <${ErrorBanner} errors=${[error]} testid="deploy-error" />
    ${confirming &&
    html`<div class="action-row confirm" role="alertdialog" aria-label="Confirm the deployment">
      <p>
        ${rollback ? 'Roll back: deploy' : 'Deploy'} version <strong>${version}</strong> to
        <strong> ${selectorWords(confirming)}</strong>?
      </p>
      <button type="button" ref=${confirmButton} data-testid="deploy-confirm" disabled=${busy} onClick=${deploy}>
        Confirm deploy to ${selectorText(confirming) || 'every agent'}
      </button>
      <button type="button" data-testid="deploy-cancel" disabled=${busy} onClick=${() => confirm(null)}>
        Cancel
      </button>
    </div>`}
  `;
}

// version: the bundle version to deploy. here: shown on that version's
// own page ("this version" rather than "version N").
export function DeployForm({ version, here = false }) {
  const newest = useResource(() => api.get('/api/v1/flows/deployments', { limit: 1 }), [], ['flows']);
  const latest = newest.data ? newest.data.deployments[0] : null;
  const rollback = Boolean(latest && version < latest.version);
  const what = here ? 'this version' : `version ${version}`;
  const title = rollback ? `Roll back to ${what}` : `Deploy ${what}`;
  const ready = newest.data || newest.error;
  return html`
    <section class="deploy" aria-labelledby=${`deploy-heading-${version}`}>
      <h2 id=${`deploy-heading-${version}`}>${title}</h2>
      ${rollback &&
      html`<p class="muted">
        The newest deployment, <a href=${`/flows/deployments/${latest.sequence}`}>${latest.sequence}</a>, is of
        version ${latest.version}: deploying this older version rolls back.
      </p>`}
      <${ErrorBanner} errors=${[newest.error]} />
      ${ready
        ? html`<${Form} key=${version} version=${version} rollback=${rollback} newest=${latest} />`
        : html`<p class="muted">Loading…</p>`}
    </section>
  `;
}
