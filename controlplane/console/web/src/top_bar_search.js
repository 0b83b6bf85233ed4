// The search box in the top bar: from any page straight to /search?q=. Its
// input and button have the same test ids as the search page's own form,
// which stands in for it on that page (the top bar leaves it out there), so
// each page has one search box.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { queryString } from './api.js';
import { MAX_QUERY, SEARCH_PLACEHOLDER } from './page_search.js';
import { navigate } from './router.js';

export function TopBarSearch() {
  const [value, setValue] = useState('');
  function submit(event) {
    event.preventDefault();
    const q = value.trim();
    if (!q) {
      event.currentTarget.querySelector('input').focus();
      return;
    }
    setValue('');
    navigate(`/search${queryString({ q })}`);
  }
  return html`
    <form class="top-bar-search" role="search" aria-label="Quick search" data-testid="topbar-search" onSubmit=${submit}>
      <label for="topbar-search-q" class="visually-hidden">Search events</label>
      <input
        id="topbar-search-q"
        type="search"
        data-testid="search-input"
        placeholder="Search events"
        title=${SEARCH_PLACEHOLDER}
        maxlength=${MAX_QUERY}
        autocomplete="off"
        spellcheck="false"
        value=${value}
        onInput=${(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit" data-testid="search-submit">Search</button>
    </form>
  `;
}
