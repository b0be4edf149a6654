// The consultant console: pick a slot, hold it, book it, paste the confirmation.
import { api, clockAt, el, hhmm, newestOnly, toast, validPhone } from "/static/common/clinic.js";
import { sayCode, showProblem } from "/static/common/problems.js";
import { applyCounts, counter, dayLabel, pushedCounts, renderGrid, slotText, stripDay } from "/static/booking/grid.js";
import { initPanel, isMoving, moveTo } from "/static/booking/panel.js";
import { initWaitlist, refreshWaitlist, showWaitlist } from "/static/booking/waitlist.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
let hold = null;      // {id, slot_id, expires_at, label}
let timer = null;
let idempotencyKey = null;
let booked = null;    // {id, slot_id} of the appointment the 预约成功 panel shows
const gridTurn = newestOnly();

async function loadDepartments() {
  const rows = (await api("GET", "/api/v1/departments")).data || [];
  $("department").replaceChildren(...rows.map((d) => el("option", { value: d.id }, d.name)));
}

function slotButton(expert, slot) {
  const label = `${slot.date.slice(5)} ${hhmm(slot.start)}`;
  const [state, text] = slotText(slot);
  const takes = state === "open" || state === "low";
  return el("button", {
    type: "button", class: `slot ${state}`, "data-slot": slot.slot_id,
    "aria-pressed": hold && hold.slot_id === slot.slot_id ? "true" : "false",
    "aria-disabled": takes ? "false" : "true", title: slot.stop_reason || "",
    "aria-label": `${expert.name} ${label} ${text}`,
    onclick: () => {
      if (!takes) return;
      if (isMoving()) moveTo(slot, `${expert.name} ${label}`);
      else takeHold(expert, slot, label);
    },
  }, hhmm(slot.start), el("small", {}, text));
}

let grid = null;  // the last answer: {version, experts, query}
const pollCounts = counter();
const scope = () => `department_id=${$("department").value}&date=${$("date").value}&days=${$("days").value}`;

function paint() {
  renderGrid($("grid"), grid.experts, { week: $("days").value !== "1", button: slotButton,
    onWaitlist: showWaitlist });
  $("grid").dataset.shows = grid.shows;
  $("updated").textContent = `${t("更新于", "Updated")} ${clockAt(grid.time_zone)}`;
}

// New counts, same grid: each slot's button is updated where it is, so keyboard focus
// and the screen reader's place stay put (a rebuild every 5 s sent focus to <body>).
function patch() {
  for (const expert of grid.experts) {
    for (const slot of expert.slots) {
      const old = $("grid").querySelector(`[data-slot="${slot.slot_id}"]`);
      if (!old) continue;
      const fresh = slotButton(expert, slot);
      old.className = fresh.className;
      for (const name of ["aria-label", "aria-disabled", "aria-pressed", "title"]) old.setAttribute(name, fresh.getAttribute(name));
      // The button's click handler stays: it holds the same slot object, whose counts the
      // poll updated; a change of state changes the grid's version and rebuilds it.
      old.replaceChildren(...fresh.childNodes);
    }
    const left = $("grid").querySelector(`[data-expert="${expert.id}"] [data-remaining]`);
    if (left) left.textContent = expert.remaining;
  }
  $("updated").textContent = `${t("更新于", "Updated")} ${clockAt(grid.time_zone)}`;
}

async function loadGrid() {
  if (!$("department").value) return;
  const current = gridTurn();
  const query = scope(), shows = `${$("department").value}|${$("date").value}|${$("days").value}`;
  const result = await api("GET", `/api/v1/availability?${query}`);
  if (!result.ok || !current()) return;
  grid = { ...result.data, query, shows };
  paint();
  refreshWaitlist();
  stream.open(query);
}

// Every few seconds: the counts alone (a 304 when nothing changed); the whole grid again
// only when its version changed, or when the console shows something else.
async function poll() {
  if (!grid || grid.query !== scope()) return loadGrid();
  if (stream.isOpen(grid.query)) {  // the counts come pushed: they are as of now
    $("updated").textContent = `${t("更新于", "Updated")} ${clockAt(grid.time_zone)}`;
    // An open waitlist is read again: a cancel whose place the waitlist took at once
    // leaves the counts as they were, so no counts arrive to say so.
    refreshWaitlist();
    return;
  }
  const current = gridTurn();
  const outcome = await pollCounts(grid.query, grid);
  if (!current()) return;
  if (outcome === "reload") { await loadGrid(); loadStrip(); return; }
  if (outcome === "patched") { patch(); refreshWaitlist(); loadStrip(); }  // the day's 余 too
  $("updated").textContent = `${t("更新于", "Updated")} ${clockAt(grid.time_zone)}`;
}

// The counts pushed as they change (the stream process); the poll above is the fallback
// while the stream is down. The strip's 余 follows at most every few seconds: a busy
// department's changes must not each cost every open console a read of the strip.
let stripDue = null;
const stripSoon = () => { stripDue ??= setTimeout(() => { stripDue = null; loadStrip(); }, 3000); };
const stream = pushedCounts($("grid").dataset.stream, async (query, answer) => {
  if (!grid || grid.query !== query) return;
  if (applyCounts(grid, answer) === "reload") { await loadGrid(); loadStrip(); return; }
  patch(); refreshWaitlist(); stripSoon();
}, (open) => { $("grid").dataset.pushed = open ? "yes" : "no"; });

// The 14-day strip and the earliest free place in the department.
async function loadStrip() {
  const department = $("department").value;
  if (!department) return;
  const result = await api("GET", `/api/v1/availability/days?department_id=${department}&days=14`);
  if (!result.ok || department !== $("department").value) return;
  $("strip").replaceChildren(...result.data.days.map((day) => stripDay(day, $("date").value, pickDay)));
  const next = result.data.next_available;
  $("next-available").hidden = !next;
  if (next) {
    $("next-available").textContent = t(`最近可约：${dayLabel(next.date)} ${hhmm(next.start)} ${next.expert_name}`,
      `Next free: ${dayLabel(next.date)} ${hhmm(next.start)} ${next.expert_name}`);
    $("next-available").onclick = async () => {
      await pickDay(next.date);
      const button = $("grid").querySelector(`[data-slot="${next.slot_id}"]`);
      if (button) { button.scrollIntoView({ block: "center" }); button.focus(); }
    };
  }
}

async function pickDay(date) {
  $("date").value = date;
  $("days").value = "1";
  for (const day of $("strip").children) day.setAttribute("aria-current", day.dataset.date === date ? "date" : "false");
  await loadGrid();
}

async function takeHold(expert, slot, label, keepForm = false) {
  if (hold) await release(false);
  const result = await api("POST", "/api/v1/holds", { slot_id: slot.slot_id });
  if (!result.ok) {
    toast(result.data?.code === "slot_full" ? t("这个时段刚刚约满了，请选择其他时段。", "That slot just filled up; please pick another.")
      : sayCode(result.data, t("无法保留", "Could not hold")), "error");
    loadGrid();
    return;
  }
  hold = { ...result.data, label: `${expert.name} · ${label}`, from: { expert, slot, label } };
  idempotencyKey = crypto.randomUUID();
  $("hold-slot").textContent = hold.label;
  $("hold").hidden = false; $("patient-form").hidden = false; $("done").hidden = true; $("hint").hidden = true;
  $("expired").hidden = true; $("extend").disabled = false; $("form-error").textContent = "";
  $("book").disabled = false;
  startCountdown();
  // The phone first: it finds a returning patient and fills the name (the form's order too).
  if (!keepForm) $("patient-form").elements.phone.focus();
  else $("book").focus();
  if (forTask) fillFromTask();
  loadGrid();
}

// Opened from a follow-up call card (?task=&department=&date=&slot=): the slot offered
// to the patient is held, and the form is filled from the card — the full phone only
// reaches the consultant who claimed the task, as the card itself decides.
let forTask = null;  // {id, name, phone, patientId}

async function loadTask(taskId) {
  const base = $("for-task").dataset.followup;
  const result = await api("GET", `${base}/api/v1/tasks/${encodeURIComponent(taskId)}`);
  if (!result.ok || result.data.patient.phone.includes("*")) {
    $("for-task").textContent = t("回访任务需要先由您领取，才能带出患者信息。", "Claim the follow-up task first to bring the patient's details here.");
    $("for-task").hidden = false;
    return;
  }
  const p = result.data.patient;
  forTask = { id: result.data.id, name: p.name, phone: p.phone, patientId: p.id };
  $("for-task").textContent = t(`为回访患者预约：${p.name}`, `Booking for the follow-up patient: ${p.name}`);
  $("for-task").hidden = false;
}

async function fillFromTask() {
  const f = $("patient-form").elements;
  f.phone.value = forTask.phone;
  f.name.value = forTask.name;
  if (forTask.patientId) await choosePatient(forTask.patientId);
  lookUpPhone();
}

async function openFromLink() {
  const query = new URLSearchParams(window.location.search);
  if (query.get("department")) $("department").value = query.get("department");
  if (/^\d{4}-\d{2}-\d{2}$/.test(query.get("date") || "")) $("date").value = query.get("date");
  if (query.get("task")) await loadTask(query.get("task"));
  await loadGrid();
  const slot = query.get("slot") && $("grid").querySelector(`[data-slot="${CSS.escape(query.get("slot"))}"]`);
  if (slot) slot.click();
}

function startCountdown() {
  clearInterval(timer);
  const tick = () => {
    const left = Math.max(0, Math.round((new Date(hold.expires_at) - Date.now()) / 1000));
    $("countdown").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    $("countdown").classList.toggle("low", left <= 60);
    $("extend").hidden = left > 60;
    if (left === 0) expired();
  };
  tick();
  timer = setInterval(tick, 1000);
}

// The patient is still deciding: another few minutes (the server caps how many).
async function extend() {
  const result = await api("POST", `/api/v1/holds/${hold.id}/extend`);
  if (!result.ok) {
    if (result.data?.code === "hold_expired") return expired();
    toast(result.data?.code === "extend_limit" ? t("不能再延长了，请尽快预约或放弃保留。", "It cannot be kept longer; book now or release it.")
      : t("未能延长", "Not extended"), "error");
    $("extend").disabled = true;
    return;
  }
  hold.expires_at = result.data.expires_at;
  startCountdown();
  toast(t("已延长保留", "Kept longer"), "ok");
}

// Expired: said at the top of the panel (not below the form), the countdown gone, the
// form kept as typed, and one button to hold the same slot again if it still has room.
let lastHeld = null;  // {expert, slot, label} of the hold that ran out

function expired() {
  clearInterval(timer);
  $("book").disabled = true;
  lastHeld = hold && hold.from;
  $("expired-slot").textContent = hold ? hold.label : "";
  $("hold").hidden = true;
  $("expired").hidden = !lastHeld;
  hold = null;
  loadGrid();
}

async function holdAgain() {
  if (!lastHeld) return;
  const { expert, slot, label } = lastHeld;
  await takeHold(expert, slot, label, true);
}

async function release(refresh = true) {
  clearInterval(timer);
  if (hold) await api("DELETE", `/api/v1/holds/${hold.id}`);
  hold = null;
  $("hold").hidden = true; $("patient-form").hidden = true; $("hint").hidden = false; $("expired").hidden = true;
  if (refresh) await loadGrid();
}

// 放弃保留: its button is gone, so the keyboard goes to the next thing to choose — the
// first free slot, or the department when the grid has none.
async function releaseByHand() {
  await release();
  ($("grid").querySelector(".slot.open, .slot.low") || $("department")).focus();
}

// The appointment the 预约成功 panel shows was cancelled or moved (from the 查找预约
// panel): its confirmation no longer holds, so the panel goes, with nothing left to copy.
function appointmentChanged(a) {
  if (!a || !booked || a.id !== booked.id) return;
  if (a.status === "booked" && a.slot_id === booked.slot_id) return;
  booked = null;
  $("confirmation").value = "";
  $("done").hidden = true;
  if (!hold && $("patient-form").hidden) $("hint").hidden = false;
}


// A returning patient: the phone finds who has been booked with it before (a family may
// share one); choosing one fills the form from their record, and books them by id.
let chosen = null;  // {id, name}
const phoneTurn = newestOnly();

async function lookUpPhone() {
  const form = $("patient-form");
  const phone = form.elements.phone.value.trim();
  const current = phoneTurn();
  if (!validPhone(phone)) { $("returning").hidden = true; $("phone-note").textContent = ""; return; }
  const q = encodeURIComponent(phone);
  const [check, found] = await Promise.all([api("GET", `/api/v1/phone-check?phone=${q}`),
    api("GET", `/api/v1/patients?phone=${q}`)]);
  if (!current()) return;
  $("phone-note").textContent = check.ok && check.data.valid && !check.data.mobile
    ? t("这不是手机号码：短信无法送达，仍可预约。", "Not a mobile number: no SMS can reach it; you can still book.") : "";
  const people = found.ok ? found.data : [];
  $("returning").hidden = people.length === 0;
  $("returning-list").replaceChildren(...people.map((p) => el("button", {
    type: "button", class: "secondary", onclick: () => choosePatient(p.id) },
  p.guardian_name ? `${p.name}（${t("监护人", "guardian")} ${p.guardian_name}）` : p.name)));
}

async function choosePatient(id) {
  const result = await api("GET", `/api/v1/patients/${id}`);
  if (!result.ok) return;
  const p = result.data, f = $("patient-form").elements;
  chosen = { id: p.id, name: p.name };
  f.name.value = p.name;
  f.email.value = p.email || "";
  f.sms_consent.checked = p.sms_consent;
  f.email_consent.checked = p.email_consent;
  f.satisfaction_consent.checked = p.satisfaction_consent;
  const visits = p.appointments.length;
  $("chosen").textContent = t(`老患者，已有 ${visits} 次预约`, `Returning patient, ${visits} appointments before`);
}

function markField(form, name, message) {
  const input = form.elements[name];
  if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
  const box = form.querySelector(`[data-for="${name}"]`);
  if (box) box.textContent = message || "";
}

function checkForm(form) {
  let ok = true;
  const v = (n) => form.elements[n].value.trim();
  markField(form, "name", v("name") ? "" : (ok = false, t("请填写姓名", "Name is needed")));
  markField(form, "phone", validPhone(v("phone")) ? "" : (ok = false, t("手机号格式不对", "Not a valid phone number")));
  markField(form, "email", !v("email") || /.+@.+\..+/.test(v("email")) ? "" : (ok = false, t("邮箱格式不对", "Not a valid email")));
  markField(form, "email_consent", form.elements.email_consent.checked && !v("email") ? (ok = false, t("同意邮件通知需要填写邮箱", "Email consent needs an address")) : "");
  return ok;
}

async function book(event) {
  event.preventDefault();
  const form = event.target;
  $("form-error").textContent = "";
  if (!hold || !checkForm(form)) return;
  const f = form.elements;
  const body = { hold_id: hold.id, channel: f.channel.value, complaint: f.complaint.value,
    override_reason: f.override_reason.value || null,
    patient: { name: f.name.value.trim(), phone: f.phone.value.trim(), email: f.email.value.trim() || null,
      sms_consent: f.sms_consent.checked, email_consent: f.email_consent.checked,
      satisfaction_consent: f.satisfaction_consent.checked } };
  // The chosen patient is booked by id; a name typed over theirs is somebody else.
  if (chosen && chosen.name === body.patient.name) body.patient = { id: chosen.id, ...body.patient };
  $("book").disabled = true;
  const response = await fetch("/api/v1/appointments", { method: "POST", credentials: "include",
    headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey,
      "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  $("book").disabled = false;
  if (response.status === 201) {
    clearInterval(timer); hold = null;
    $("confirmation").value = data.confirmation_text;
    booked = { id: data.id, slot_id: data.slot_id };
    $("patient-form").hidden = true; $("hold").hidden = true; $("done").hidden = false;
    $("copy").focus();  // the form is gone; copying the confirmation is what comes next
    form.reset(); $("override").hidden = true; forgetPatient();
    forTask = null; $("for-task").hidden = true;
    toast(t(`预约成功：${data.code}，${data.queue_number}号`, `Booked: ${data.code}, number ${data.queue_number}`), "ok");
    loadGrid();
    return;
  }
  if (data.code === "hold_expired") return expired();
  if (data.code === "duplicate") {
    const e = data.existing || {};
    $("form-error").textContent = t(`该患者当天已预约这位专家（预约码 ${e.code}，${e.queue_number}号），不能重复预约。`,
      `This patient already has an appointment with this expert that day (code ${e.code}, number ${e.queue_number}).`);
    return;
  }
  if (data.code === "no_show_override_required") {
    $("override").hidden = false;
    markField(form, "override_reason", sayCode(data));
    form.elements.override_reason.focus();
    return;
  }
  showProblem(form, { data }, $("form-error"), t("预约未成功", "Not booked"));
}

function forgetPatient() {
  chosen = null;
  $("chosen").textContent = ""; $("phone-note").textContent = ""; $("returning").hidden = true;
}

$("patient-form").addEventListener("submit", book);
$("patient-form").elements.phone.addEventListener("change", lookUpPhone);
$("patient-form").elements.name.addEventListener("input", () => {
  if (chosen && $("patient-form").elements.name.value.trim() !== chosen.name) $("chosen").textContent = "";
});
$("patient-form").addEventListener("input", (e) => markField(e.currentTarget, e.target.name, ""));
$("release").addEventListener("click", releaseByHand);
$("extend").addEventListener("click", extend);
$("hold-again").addEventListener("click", holdAgain);
$("copy").addEventListener("click", async () => {
  $("confirmation").select();
  try { await navigator.clipboard.writeText($("confirmation").value); } catch { document.execCommand("copy"); }
  toast(t("已复制，可粘贴到对话中", "Copied; paste it into the chat"), "ok");
});
$("again").addEventListener("click", () => { booked = null; $("done").hidden = true; $("hint").hidden = false; });
$("department").addEventListener("change", () => { loadGrid(); loadStrip(); });
for (const id of ["date", "days"]) $(id).addEventListener("change", () => { loadGrid(); loadStrip(); });
window.addEventListener("pagehide", () => {
  if (hold) fetch(`/api/v1/holds/${hold.id}`, { method: "DELETE", keepalive: true, credentials: "include",
    headers: { "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content } });
});

initPanel((appointment) => { loadGrid(); appointmentChanged(appointment); });
initWaitlist(() => loadGrid());
await loadDepartments();
await openFromLink();
loadStrip();
setInterval(poll, 5000);
setInterval(loadStrip, 60000);
