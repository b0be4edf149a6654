// The console's availability: the 14-day strip, the grid of experts and slots (one day,
// or a week with a header per date), each slot's own state, and polled counts.
import { api, el, hhmm } from "/static/common/clinic.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const WEEKDAYS = zh ? ["周日", "周一", "周二", "周三", "周四", "周五", "周六"]
  : ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export const dayLabel = (date) =>
  `${date.slice(5)} ${WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]}`;
const stamp = (iso) => `${iso.slice(5, 10)} ${hhmm(iso)}`;

const DAY_STATES = {
  open: t("有号", "open"), full: t("约满", "full"), stopped: t("停诊", "stopped"),
  not_released: t("未放号", "not yet open"), closed: t("已截止", "closed"), none: t("无出诊", "no session"),
};

// What a slot says about itself: its state first, then the count or the reason.
export function slotText(slot) {
  const held = slot.held ? t(` · 保留 ${slot.held}`, ` · ${slot.held} held`) : "";
  switch (slot.state) {
    case "open": {
      const low = slot.remaining <= Math.max(1, Math.floor(slot.capacity / 4));
      return [low ? "low" : "open", t(`余 ${slot.remaining}/${slot.capacity}`,
        `${slot.remaining}/${slot.capacity} left`) + held];
    }
    case "full": return ["full", slot.held ? t(`约满 · ${slot.held} 个保留中`, `full · ${slot.held} held`)
      : t("约满", "full")];
    case "stopped": return ["stopped", `${t("停诊", "stopped")}${slot.stop_reason ? `：${slot.stop_reason}` : ""}`];
    case "not_released": return ["not_released", t(`未放号 · ${stamp(slot.opens_at)} 放号`,
      `opens ${stamp(slot.opens_at)}`)];
    case "closed": return ["closed", t("已截止", "booking closed")];
    default: return ["past", t("已过", "past")];
  }
}

export function stripDay(day, chosen, onPick) {
  const detail = day.state === "open" ? t(`余 ${day.remaining}`, `${day.remaining} left`)
    : day.state === "not_released" && day.opens_at ? t(`${stamp(day.opens_at)} 放号`, `opens ${stamp(day.opens_at)}`)
      : day.state === "stopped" && day.stop_reason ? day.stop_reason : "";
  return el("button", {
    type: "button", class: `day ${day.state}`, "data-date": day.date,
    "aria-current": day.date === chosen ? "date" : "false",
    title: day.stop_reason || "",
    onclick: () => onPick(day.date),
  }, el("span", {}, dayLabel(day.date)), el("strong", {}, DAY_STATES[day.state]),
  el("small", {}, detail));
}

// A day's slots are "full" for the waitlist when places could be booked but none is left.
export function fullDays(expert) {
  const byDate = new Map();
  for (const slot of expert.slots) {
    const seen = byDate.get(slot.date) || new Set();
    seen.add(slot.state);
    byDate.set(slot.date, seen);
  }
  return [...byDate].filter(([, seen]) => seen.has("full") && !seen.has("open")).map(([date]) => date);
}

function expertCell(expert, onWaitlist) {
  const waits = fullDays(expert).map((date) => el("button", {
    type: "button", class: "secondary small", "data-waitlist": `${expert.id}|${date}`,
    onclick: () => onWaitlist(expert, date),
  }, t(`${dayLabel(date)} 候补`, `Waitlist ${dayLabel(date)}`),
  expert.waiting?.[date] ? t(`（${expert.waiting[date]} 人）`, ` (${expert.waiting[date]})`) : ""));
  return el("div", { class: "who" },
    el("strong", {}, expert.name), " ", el("span", { class: "muted" }, expert.title),
    expert.specialty ? el("p", { class: "specialty" }, t("擅长：", "Specialty: "), expert.specialty) : null,
    expert.bio ? el("details", {}, el("summary", {}, t("简介", "About")), el("p", {}, expert.bio)) : null,
    el("small", { class: "muted" }, `${t("挂号费", "Fee")} ¥${expert.fee} · ${t("可约", "open")} `,
      el("span", { "data-remaining": "" }, expert.remaining)),
    waits.length ? el("div", { class: "actions" }, ...waits) : null);
}

// The slots of one expert: in a week view, grouped under a header for each date.
function slotsOf(expert, week, button) {
  if (!week) return el("div", { class: "slots" }, ...expert.slots.map((s) => button(expert, s)));
  const dates = [...new Set(expert.slots.map((s) => s.date))];
  return el("div", { class: "days" }, ...dates.map((date) => el("div", { class: "day-group" },
    el("h4", {}, dayLabel(date)),
    el("div", { class: "slots" }, ...expert.slots.filter((s) => s.date === date).map((s) => button(expert, s))))));
}

export function renderGrid(box, experts, { week, button, onWaitlist }) {
  box.replaceChildren(...(experts.length ? experts.map((expert) => el("div", { class: "expert", "data-expert": expert.id },
    expertCell(expert, onWaitlist), slotsOf(expert, week, button)))
    : [el("p", { class: "muted" }, week ? t("这一周没有出诊。", "No sessions this week.")
      : t("这一天没有出诊。", "No sessions on this day."))]));
}

// New counts for the grid: "reload" when they belong to another version of it (a slot
// added, stopped, or changing state), else patched into its slots ("patched").
export function applyCounts(grid, answer) {
  if (answer.version !== grid.version) return "reload";
  const counts = new Map(answer.slots.map(([id, remaining, held, booked, state]) =>
    [id, { remaining, held, booked, state }]));
  for (const expert of grid.experts) {
    for (const slot of expert.slots) Object.assign(slot, counts.get(slot.slot_id) || {});
    expert.remaining = expert.slots.reduce((n, s) => n + (s.state === "open" ? s.remaining : 0), 0);
  }
  return "patched";
}

// The poll: counts only, with the ETag of the last answer; a new version of the grid
// (a slot added, stopped, or changing state) means reading the whole grid again.
export function counter() {
  let etag = null;
  return async (query, grid) => {
    const result = await api("GET", `/api/v1/availability/counts?${query}`, undefined,
      etag ? { "If-None-Match": etag } : {});
    if (result.status === 304 || !result.ok) return "same";
    etag = result.headers.get("ETag");
    return applyCounts(grid, result.data);
  };
}

// The counts pushed (server-sent events from booking's stream process): ``onCounts``
// gets each answer of the console's scope while the stream is open. ``open(query)``
// (re)subscribes; a dropped stream is tried again after 1, 2, 4 … 60 s; ``isOpen()``
// says whether the poll may rest, ``onOpen(open)`` when that changes.
export function pushedCounts(address, onCounts, onOpen = () => {}) {
  let source = null, scope = null, open = false, wait = 1000, retry = null;
  const close = () => { if (source) source.close(); source = null; open = false; onOpen(false); };
  const subscribe = (query) => {
    if (!address || !window.EventSource) return;
    if (source && scope === query) return;
    close(); clearTimeout(retry);
    scope = query;
    source = new EventSource(`${address}/api/v1/stream/counts?${query}`, { withCredentials: true });
    const mine = source;
    source.addEventListener("counts", (event) => {
      if (mine !== source) return;
      if (!open) onOpen(true);
      open = true; wait = 1000;
      onCounts(scope, JSON.parse(event.data));
    });
    source.onerror = () => {
      if (mine !== source) return;
      close();
      retry = setTimeout(() => subscribe(scope), wait);
      wait = Math.min(wait * 2, 60000);
    };
  };
  return { open: subscribe, isOpen: (query) => open && scope === query };
}
