// Numbers, durations and times as people read them.

const numberFormat = new Intl.NumberFormat('en');

export function count(n) {
  return typeof n === 'number' ? numberFormat.format(n) : '–';
}

// 731000 → "12 min 11 s"; two units at most, the larger first.
export function duration(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '–';
  let s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const units = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ];
  const parts = [];
  for (const [name, size] of units) {
    if (s >= size || parts.length) {
      parts.push(`${Math.floor(s / size)} ${name}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

// A past moment relative to now: "42 s ago", "12 min ago", "never" for 0.
export function ago(unixMs, now = Date.now()) {
  if (!unixMs) return 'never';
  const s = Math.round((now - unixMs) / 1000);
  if (s < 0) return 'just now'; // the server's clock is ahead of ours
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// An absolute time in the reader's zone, to the second: "2026-12-05 14:07:01".
export function dateTime(unixMs) {
  if (!unixMs) return '–';
  const d = new Date(unixMs);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

// An ISO 8601 time from the API, shown as dateTime shows it; '–' for none.
export function isoDateTime(iso) {
  return iso ? dateTime(Date.parse(iso)) : '–';
}

export function bytes(n) {
  if (typeof n !== 'number') return '–';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

// dateTime to the millisecond, for steps a fraction of a second apart:
// "2026-12-05 14:07:01.180".
export function dateTimeMs(unixMs) {
  if (!unixMs) return '–';
  return `${dateTime(unixMs)}.${String(new Date(unixMs).getMilliseconds()).padStart(3, '0')}`;
}

// The time from one step to the next: "+70 ms", "+1.2 s", "+12 min 11 s".
// Negative when two clocks disagree (the agent's and the control plane's).
export function delay(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '';
  const sign = ms < 0 ? '−' : '+';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60000) return `${sign}${(a / 1000).toFixed(a < 10000 ? 1 : 0)} s`;
  return `${sign}${duration(a)}`;
}

// The reader's time zone by name ("Europe/Berlin"), for saying which times
// are shown; '' when the browser does not say.
export function timeZoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}
