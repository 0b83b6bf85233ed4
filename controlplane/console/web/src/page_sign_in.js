// Sign-in: name and password for POST /api/v1/session. The API's answer on
// failure (a wrong name or password, or too many attempts) shows as it is.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';

export function SignInPage({ onSignedIn }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api.signIn(name, password));
    } catch (err) {
      setError(err.message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return html`
    <main class="sign-in">
      <h1 tabindex="-1">Ferry console</h1>
      <form onSubmit=${submit}>
        <p>
          <label for="signin-name">Name</label>
          <input
            id="signin-name"
            data-testid="signin-name"
            autocomplete="username"
            required
            value=${name}
            onInput=${(e) => setName(e.currentTarget.value)}
          />
        </p>
        <p>
          <label for="signin-password">Password</label>
          <input
            id="signin-password"
            data-testid="signin-password"
            type="password"
            autocomplete="current-password"
            required
            value=${password}
            onInput=${(e) => setPassword(e.currentTarget.value)}
          />
        </p>
        ${error && html`<p class="error-banner" role="alert" data-testid="signin-error">${error}</p>`}
        <button type="submit" data-testid="signin-submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  `;
}
