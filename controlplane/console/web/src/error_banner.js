// The one place on a page where failures show: the API's own error text,
// announced to screen readers as it appears.

import { html } from 'htm/preact';

// errors: any mix of Error objects, strings and nulls; nothing shows when
// all are empty. testid tells apart a page with more than one banner.
// preformatted keeps a message's line breaks and columns (a compiler's
// list of errors, one per line).
export function ErrorBanner({ errors, testid = 'error-banner', preformatted = false }) {
  const messages = errors.filter(Boolean).map((e) => (typeof e === 'string' ? e : e.message));
  if (!messages.length) return null;
  return html`
    <div class="error-banner" role="alert" data-testid=${testid}>
      ${messages.map((m) => (preformatted ? html`<pre>${m}</pre>` : html`<p>${m}</p>`))}
    </div>
  `;
}
