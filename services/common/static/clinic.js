// Shared by the staff pages: API calls with the session cookie and the CSRF token.
// The token is bound to the signed-in session (the server derives it from the session).
export const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// `headers` adds to the defaults, e.g. an Idempotency-Key for a create.
export async function api(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method, credentials: "include",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (response.status !== 204 && response.status !== 304) { try { data = await response.json(); } catch { data = null; } }
  if (response.status === 401) { window.location = loginUrl(); }
  return { ok: response.ok, status: response.status, data, headers: response.headers };
}

export function loginUrl() {
  const schedule = document.body.dataset.scheduleUrl || "";
  return `${schedule}/login?next=${encodeURIComponent(window.location.href)}`;
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = `show ${kind}`;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.className = ""; }, 6000);
}

export const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

export const hhmm = (iso) => iso.slice(11, 16);

// A moment on the hospital's clock (24-hour), like every other time on these pages,
// whatever the zone and locale of the browser.
export const clockAt = (zone, when = new Date()) =>
  when.toLocaleTimeString("en-GB", { timeZone: zone || undefined, hour12: false });

// Answers can arrive out of order (a timer refresh overtaking a change of department);
// only the newest request of one kind may paint the page, or it shows the wrong day.
export function newestOnly() {
  let latest = 0;
  return () => { const mine = ++latest; return () => mine === latest; };
}

// "2026-11-24 09:05:00" on the hospital's clock, date and time both (the UTC date of a
// late-evening moment would be the day before's).
export const stampAt = (zone, iso) =>
  new Date(iso).toLocaleString("sv-SE", { timeZone: zone || undefined, hour12: false });

// Full-width digits and "(+86)138 0013 8000" are numbers as people type them. A first
// check before sending; the server's (phonenumbers) is the one that counts.
const phoneDigits = (value) => value.normalize("NFKC").replace(/[\s\-()]/g, "");

export function validPhone(value) {
  const digits = phoneDigits(value);
  return /^(\+?\d{7,15})$/.test(digits) && (!/^1\d*$/.test(digits) || digits.length === 11);
}

// Calendar dates as "YYYY-MM-DD" strings, counted in UTC so that neither the browser's
// zone nor the hour can shift them (the admin's week was once a day off before 08:00).
const utc = (day) => new Date(`${day}T00:00:00Z`);
export const addDays = (day, n) => {
  const d = utc(day);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
export const isoWeekday = (day) => ((utc(day).getUTCDay() + 6) % 7) + 1;  // Monday 1 … Sunday 7
// Today on the hospital's clock, not the browser's.
export const todayAt = (zone) => new Date().toLocaleDateString("sv-SE", { timeZone: zone || undefined });
