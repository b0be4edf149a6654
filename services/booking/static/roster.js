// The front-desk roster: the day by expert and session, kept current without reloading.
import { api, clockAt, el, hhmm, newestOnly, toast, todayAt } from "/static/common/clinic.js";
import { clearProblem, sayCode, showProblem } from "/static/common/problems.js";
import { once } from "/static/booking/keys.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const STATUS = { booked: t("待诊", "waiting"), checked_in: t("已报到", "arrived"),
  completed: t("已就诊", "seen"), no_show: t("爽约", "no-show"), cancelled: t("已取消", "cancelled") };
// The roster names the channels the desk did not choose: who booked the line is told apart.
const CHANNEL = { walk_in: t("现场", "walk-in"), fhir: t("对接系统", "hospital system") };
const COUNTS = [["booked", t("预约", "Booked")], ["arrived", t("已到", "Arrived")],
  ["waiting", t("待到", "Waiting")], ["no_show", t("爽约", "No-show")],
  ["cancelled", t("取消", "Cancelled")], ["remaining", t("可约余号", "Places free")]];
const canAct = document.getElementById("walkin-form") !== null;
let known = null;
const rosterTurn = newestOnly();
const walkInTurn = newestOnly();

// A refusal (the row changed meanwhile: wrong_status, conflict …) is said by its code in
// the page's language, and the roster is read again either way, so the row shows what is.
// A double click (or a retry) is one change: the action's Idempotency-Key (keys.js).
async function act(line, path, body = {}) {
  const url = `/api/v1/appointments/${line.id}/${path}`;
  const result = await once(url, body, (key) => api("POST", url, body, key));
  toast(result.ok ? t(`${line.queue_number}号 ${line.patient_name}：${STATUS[result.data.status]}`,
    `No. ${line.queue_number} ${line.patient_name}: ${STATUS[result.data.status]}`)
    : sayCode(result.data, t("操作失败", "Failed")), result.ok ? "ok" : "error");
  load();
}

function withReason(line, path, question) {
  const reason = window.prompt(question);
  if (reason && reason.trim()) act(line, path, { reason: reason.trim() });
}

// ``today``: the roster shows the hospital's today. A patient checks in on the visit's
// day only (the API refuses another day), so a later day's rows offer no 报到.
function actions(line, started, today) {
  if (!canAct) return "";
  const b = (label, handler, kind = "secondary") => el("button", { type: "button", class: kind, onclick: handler }, label);
  const list = [];
  if (line.status === "booked") {
    if (today) list.push(b(t("报到", "Check in"), () => act(line, "check-in"), "primary"));
    if (started) list.push(b(t("爽约", "No-show"), () => {
      if (window.confirm(t(`把 ${line.patient_name}（${line.queue_number}号）记为爽约？`,
        `Mark ${line.patient_name} (number ${line.queue_number}) as a no-show?`))) act(line, "no-show");
    }));
    list.push(b(t("取消", "Cancel"), () => {
      if (window.confirm(t(`取消 ${line.patient_name} 的预约？`, `Cancel ${line.patient_name}'s appointment?`)))
        act(line, "cancel", { reason: "patient", note: t("前台取消", "cancelled at the front desk") });
    }, "danger"));
  }
  if (line.status === "checked_in") list.push(b(t("撤销报到", "Undo check-in"),
    () => withReason(line, "undo-check-in", t("撤销原因？", "Why undo?"))));
  if (line.status === "no_show") list.push(b(t("撤销爽约", "Undo no-show"),
    () => withReason(line, "undo-no-show", t("撤销原因？", "Why undo?"))));
  return el("div", { class: "actions" }, ...list);
}

const HEAD = [t("序号", "No."), t("时间", "Time"), t("姓名", "Name"), t("手机", "Phone"),
  t("预约码", "Code"), t("状态", "Status"), "", ""];

function rowFor(line, now, today) {
  const fresh = known && !known.has(line.id);
  const extra = line.overbooked
    ? el("span", { class: "pill over", title: line.overbook_reason || "" }, t(" 加号", " extra")) : "";
  return el("tr", { class: fresh ? "fresh" : "", "data-code": line.code },
    el("td", {}, line.queue_number), el("td", {}, hhmm(line.slot_start)),
    el("td", {}, line.patient_name, extra),
    el("td", { class: "optional" }, line.phone), el("td", { class: "code" }, line.code),
    el("td", {}, el("span", { class: `pill ${line.status}` }, STATUS[line.status],
      line.cancel_reason === "expert_unavailable" ? t("（停诊）", " (stopped)") : "")),
    el("td", { class: "muted" }, CHANNEL[line.channel] || ""),
    el("td", {}, actions(line, new Date(line.slot_start).getTime() <= now, today)));
}

function sessionBlock(session, match, ids, now, today) {
  const title = session.session || `${hhmm(session.start)}-${hhmm(session.end)}`;
  const c = session.counts;
  const summary = t(`预约 ${c.booked} · 已到 ${c.arrived} · 余 ${c.remaining}`,
    `booked ${c.booked} · arrived ${c.arrived} · free ${c.remaining}`);
  const lines = session.appointments.filter(match);
  lines.forEach((line) => ids.add(line.id));
  const shown = lines.length < session.appointments.length
    ? t(` · 显示 ${lines.length}`, ` · showing ${lines.length}`) : "";
  const stopped = session.stopped_slots
    ? el("span", { class: "pill stopped", role: "note" }, `${t("停诊", "Stopped")}${session.stop_reason
      ? `：${session.stop_reason}` : ""}`) : "";
  const heading = el("h3", {}, `${title} `, el("span", { class: "muted" }, summary + shown), " ", stopped);
  if (!lines.length) return el("div", {}, heading, el("p", { class: "muted" }, t("暂无患者", "No patients")));
  const head = el("tr", {}, ...HEAD.map((h, i) => el("th", { class: i === 3 ? "optional" : "" }, h)));
  return el("div", {}, heading,
    el("table", {}, el("thead", {}, head), el("tbody", {}, ...lines.map((line) => rowFor(line, now, today)))));
}

// A phone typed whole or in part, in any spelling: the roster shows phones masked, so the
// server says which of the day's appointments it matches.
// A whole number typed in the search box is looked up by the server (the roster lists
// phones masked, 138****8001, so the last four are matched here). Only a whole number:
// the server finds no phone by a fragment, and logs every search by phone, so it is
// asked once per number and day, not on every keystroke or 5-second refresh.
const phoneQuery = (query) => {
  const compact = query.normalize("NFKC").replace(/[\s\-()+]/g, "").replace(/^(00)?86(?=1)/, "");
  return /^1\d{10}$|^0\d{9,11}$/.test(compact) ? compact : null;
};
let phoneFound = { key: null, ids: null };

async function foundByPhone(phone) {
  const key = phone && `${$("date").value}|${phone}`;
  if (!key) return null;
  if (phoneFound.key !== key) {
    const found = await api("GET", `/api/v1/appointments?date=${$("date").value}&q=${phone}&limit=500`);
    if (!found.ok) return null;
    phoneFound = { key, ids: found.data.map((a) => a.id) };
  }
  return phoneFound.ids;
}

function render(view, byPhone) {
  $("roster-date").textContent = view.date;
  $("counts").replaceChildren(...COUNTS.map(([key, label]) =>
    el("div", {}, el("strong", {}, view.counts[key] ?? 0), label)));
  const query = $("search").value.trim().toLowerCase();
  const match = (a) => !query || (byPhone ? byPhone.has(a.id) : (a.code.toLowerCase().includes(query)
    || a.patient_name.toLowerCase().includes(query) || a.phone.endsWith(query)));
  const ids = new Set();
  const now = Date.now();
  const today = view.date === todayAt(view.time_zone);  // the hospital's today, not the browser's
  const blocks = view.experts.map((block) => el("section", { class: "card" },
    el("h2", {}, `${block.expert.name} ${block.expert.title} `,
      el("span", { class: "muted" }, block.department ? block.department.name : "")),
    ...block.sessions.map((session) => sessionBlock(session, match, ids, now, today))));
  $("roster").replaceChildren(...blocks);
  if (!view.experts.length) $("roster").append(el("p", { class: "muted" }, t("这一天没有出诊。", "No sessions on this day.")));
  if (query && !ids.size) $("roster").prepend(el("p", { class: "note", role: "status" },
    t("这一天没有找到。其他日期的预约可在预约台的“查找预约”中查找。", "Not found on this day. The console's “Find an appointment” searches every date.")));
  known = ids;
}

// The walk-in list offers today's slots, whatever day the roster shows, so it follows
// today's counts itself: each department's compact counts with the ETag last seen (a
// bodiless 304 while nothing changed), and the list is read again when one changed.
const walkInTags = new Map();
let walkInEndsAt = Infinity;  // the first listed slot's end: past it, the list is stale

const walkInDepartments = () => ($("department").value ? [$("department").value]
  : [...$("department").options].map((o) => o.value).filter(Boolean));

async function todayChanged(departments) {
  const answers = await Promise.all(departments.map((d) => api("GET",
    `/api/v1/availability/counts?department_id=${d}`, undefined,
    walkInTags.has(d) ? { "If-None-Match": walkInTags.get(d) } : {})));
  let changed = false;
  answers.forEach((answer, i) => {
    if (!answer.ok || answer.status === 304) return;
    changed = true;
    walkInTags.set(departments[i], answer.headers.get("ETag"));
  });
  return changed;
}

async function loadWalkInSlots() {
  const form = $("walkin-form");
  if (!form) return;
  const chosen = walkInDepartments();
  const current = walkInTurn();
  await todayChanged(chosen);  // the counts' ETags first: a change after them is seen next time
  // A walk-in is a patient at the desk now: today's slots not yet over.
  const answers = await Promise.all(chosen.map((d) => api("GET", `/api/v1/availability?department_id=${d}`)));
  const options = [];
  let endsAt = Infinity;
  for (const answer of answers) for (const expert of answer.data?.experts || []) for (const slot of expert.slots) {
    const end = new Date(slot.end).getTime();
    if (end < Date.now()) continue;
    endsAt = Math.min(endsAt, end);
    options.push(el("option", { value: slot.slot_id }, `${expert.name} ${hhmm(slot.start)} (${t("余", "free")} ${slot.remaining})`));
  }
  if (!current()) return;
  const select = form.elements.slot_id;
  if (document.activeElement === select) {  // the desk is choosing: not under its hand
    walkInEndsAt = 0;  // read again at the next tick instead
    return;
  }
  walkInEndsAt = endsAt;
  const picked = select.value;
  select.replaceChildren(...options);
  if (options.some((o) => o.value === picked)) select.value = picked;
}

async function followToday() {
  if (!$("walkin-form")) return;
  const changed = await todayChanged(walkInDepartments());
  if (changed || Date.now() > walkInEndsAt) loadWalkInSlots();
}

let lastShown = null;

function focused() {
  const active = document.activeElement;
  const row = active?.closest?.("#roster tr[data-code]");
  return row ? { code: row.dataset.code, text: active.textContent } : null;
}

function refocus(focus) {
  if (!focus) return;
  const row = $("roster").querySelector(`tr[data-code="${CSS.escape(focus.code)}"]`);
  const again = row && ([...row.querySelectorAll("button")].find((b) => b.textContent === focus.text)
    || row.querySelector("button"));
  if (again) again.focus();
}

async function load() {
  const params = new URLSearchParams({ date: $("date").value });
  if ($("department").value) params.set("department_id", $("department").value);
  $("csv").href = `/api/v1/roster.csv?${params}`;
  const current = rosterTurn();
  const phone = phoneQuery($("search").value.trim());
  const [result, found] = await Promise.all([api("GET", `/api/v1/roster?${params}`),
    foundByPhone(phone)]);
  if (!current()) return;
  if (result.ok) {
    // The same answer for the same search changes nothing on screen: keep the page as it
    // is (a rebuild every 5 s sent keyboard focus to <body>). A changed one is rebuilt,
    // and focus goes back to the same button of the same patient's row.
    // (The hospital's date too: at midnight yesterday's 报到 buttons go, today's come.)
    const shown = JSON.stringify([result.data, found, $("search").value,
      todayAt(result.data.time_zone)]);
    if (shown !== lastShown) {
      const focus = focused();
      render(result.data, found ? new Set(found) : null);
      refocus(focus);
      lastShown = shown;
    }
  }
  $("updated").textContent = `${t("更新于", "Updated")} ${clockAt(result.data?.time_zone)}`;
}

async function walkIn(event) {
  event.preventDefault();
  const f = event.target.elements;
  $("walkin-error").textContent = "";
  const result = await api("POST", "/api/v1/walk-ins", { slot_id: Number(f.slot_id.value),
    patient: { name: f.name.value.trim(), phone: f.phone.value.trim() },
    overbook_reason: f.overbook_reason.value.trim() || null });
  if (!result.ok) {
    const told = {
      slot_full: t("该时段已满；如确需加号，请填写加号原因。", "The slot is full; give a reason to add the patient anyway."),
      not_today: t("现场挂号只能挂今天的号。", "Walk-ins go into today's slots only."),
      slot_over: t("这个时段已经结束，请选择之后的时段。", "That slot is over; choose a later one."),
    };
    showProblem(event.target, result, $("walkin-error"), t("挂号失败", "Failed"), told);
    return;
  }
  clearProblem(event.target, $("walkin-error"));
  event.target.reset();
  toast(t(`已挂号并报到：${result.data.queue_number}号 ${result.data.patient.name}`, `Registered and checked in: number ${result.data.queue_number}`), "ok");
  load(); loadWalkInSlots();
}

const departments = (await api("GET", "/api/v1/departments")).data || [];
$("department").append(...departments.map((d) => el("option", { value: d.id }, d.name)));
for (const id of ["date", "department"]) $(id).addEventListener("change", () => { known = null; load(); loadWalkInSlots(); });
$("search").addEventListener("input", load);
$("print").addEventListener("click", () => window.print());
$("walkin-form")?.addEventListener("submit", walkIn);
await load();
loadWalkInSlots();
setInterval(() => { load(); followToday(); }, 5000);
