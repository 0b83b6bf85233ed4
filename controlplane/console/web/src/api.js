// The console's JSON API (docs/api.md), the only way this app talks to the
// control plane. The session is an HttpOnly cookie the browser sends by
// itself; the CSRF token that must go with every change lives here, in
// memory only, so nothing readable by script outlives the tab.

let csrfToken = '';
let onUnauthorized = () => {};

// An answer other than 2xx. `message` is the API's own {"error": ...} text
// when there is one, so the page can show it as it is.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// Called on a 401 from any request but sign-in: the session is gone.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// "?a=1&b=x" from an object, leaving out empty values. Commas stay as they
// are so that lists such as state=stale,offline read well in the address bar.
export function queryString(params) {
  const parts = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value)).replace(/%2C/g, ',')}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function request(method, path, { body, signIn = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, `The control plane did not answer (${err.message}).`);
  }
  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // A proxy's HTML error page, say: fall through with no JSON.
    }
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : `${response.status} ${response.statusText}`;
    // On sign-in a 401 is the answer to show ("wrong user name or
    // password"), not a lost session.
    if (response.status === 401 && !signIn) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  return data;
}

export const api = {
  get: (path, params = {}) => request('GET', path + queryString(params)),
  post: (path, body) => request('POST', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),

  session: () => request('GET', '/api/v1/session'),
  signIn: (name, password) => request('POST', '/api/v1/session', { body: { name, password }, signIn: true }),
  signOut: () => request('DELETE', '/api/v1/session'),
};
