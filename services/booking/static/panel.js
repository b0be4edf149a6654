// The console's appointment panel: find an appointment across dates by what the caller
// says (phone in any spelling or a part of it, name, code), open it (full contact data,
// logged), move it by clicking a slot in the grid, cancel it with a reason, send its
// confirmation again. A refusal is said by its code in the page's language (sayCode), and
// the appointment and the found list are read again, so the panel shows what is now true.
import { api, el, toast } from "/static/common/clinic.js";
import { sayCode } from "/static/common/problems.js";
import { once } from "/static/booking/keys.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const STATUSES = { booked: t("已预约", "booked"), checked_in: t("已报到", "checked in"),
  completed: t("已就诊", "seen"), cancelled: t("已取消", "cancelled"), no_show: t("爽约", "no-show") };
const REASONS = { patient: t("患者要求", "the patient asked"), hospital: t("医院原因", "the hospital"),
  expert_unavailable: t("停诊", "expert unavailable") };

let opened = null;   // the appointment open in the panel
let moving = null;   // the appointment being moved: the next slot clicked is its new place
let onChange = () => {};
let lastQuery = null; // what the list shows the answer to: read again after a change

export const isMoving = () => moving !== null;

const when = (a) => `${a.date} ${a.start.slice(11, 16)}`;

async function find(event) {
  event.preventDefault();
  const q = $("find-form").elements.q.value.trim();
  if (!q) return;
  lastQuery = q;
  await listFound(q);
}

// The list again after a cancel or a move: its rows still said 已预约 and the old time.
async function refreshFound() {
  if (lastQuery !== null) await listFound(lastQuery);
}

async function listFound(q) {
  const result = await api("GET", `/api/v1/appointments?q=${encodeURIComponent(q)}&limit=20`);
  if (q !== lastQuery) return;  // another search was started meanwhile
  const rows = result.ok ? result.data : [];
  $("found").replaceChildren(...(rows.length ? rows.map((a) => el("li", { "data-appointment": a.id },
    el("button", { type: "button", onclick: () => open(a.id) },
      el("strong", {}, a.patient.name), " ", el("span", { class: "muted" }, a.patient.phone), el("br"),
      `${when(a)} ${a.expert.name} · ${a.code}`),
    el("span", { class: `pill ${a.status}` }, STATUSES[a.status])))
    : [el("li", { class: "muted" }, result.ok ? t("没有找到。", "Nothing found.")
      : sayCode(result.data, t("查找失败", "Search failed")))]));
}

async function open(id) {
  const result = await api("GET", `/api/v1/appointments/${id}`);
  if (!result.ok) { toast(sayCode(result.data, t("无法打开", "Could not open")), "error"); return; }
  opened = result.data;
  const a = opened;
  $("opened").hidden = false; $("cancel-form").hidden = true; $("opened-error").textContent = "";
  $("opened-title").textContent = `${a.patient.name} · ${STATUSES[a.status]}`;
  const facts = [[t("手机号", "Phone"), a.patient.phone], [t("时间", "When"), when(a)],
    [t("专家", "Expert"), `${a.expert.name} ${a.expert.title || ""}`],
    [t("科室", "Department"), a.department?.name], [t("预约码", "Code"), a.code],
    [t("序号", "Number"), a.queue_number], [t("主诉", "Complaint"), a.complaint],
    [t("满意度回访", "Satisfaction call"), a.patient.satisfaction_consent
      ? t("患者同意就诊后回访", "the patient agreed to be called after the visit")
      : t("患者未同意，不回访", "not agreed: nobody calls")],
    [t("取消原因", "Cancelled because"), a.cancel_reason && `${REASONS[a.cancel_reason] || a.cancel_reason}${a.cancel_note ? `：${JSON.parse($("opened-facts").dataset.notes || "{}")[a.cancel_note] || a.cancel_note}` : ""}`]];
  $("opened-facts").replaceChildren(...facts.filter(([, v]) => v).flatMap(([k, v]) =>
    [el("dt", {}, k), el("dd", {}, v)]));
  const upcoming = a.status === "booked";
  for (const id of ["move", "resend", "cancel-open"]) $(id).disabled = !upcoming;
}

// After a refusal (wrong_status, conflict …: someone else changed the appointment): the
// appointment and the found list read again, and the console told (its grid, and the
// confirmation it shows if this appointment is the one it just booked).
async function reread(id) {
  await Promise.all([open(id), refreshFound()]);
  onChange(opened);
}

function startMoving() {
  if (!opened) return;
  moving = opened;
  $("moving-text").textContent = t(`改约：请在下方点击新的时段 — ${moving.patient.name}，原 ${when(moving)} ${moving.expert.name}`,
    `Moving: click the new slot below — ${moving.patient.name}, now ${when(moving)} ${moving.expert.name}`);
  $("moving").hidden = false;
}

export function stopMoving() {
  moving = null;
  $("moving").hidden = true;
}

// Called by the console when a slot is clicked while moving.
export async function moveTo(slot, label) {
  if (!window.confirm(t(`把 ${moving.patient.name} 的预约改到 ${label}？`, `Move ${moving.patient.name} to ${label}?`))) return;
  const url = `/api/v1/appointments/${moving.id}/reschedule`;
  const result = await once(url, { slot_id: slot.slot_id }, (key) => api("POST", url, { slot_id: slot.slot_id }, key));
  const id = moving.id;
  if (!result.ok) {
    toast(result.data?.code === "slot_full" ? t("这个时段刚刚约满了", "That slot just filled up")
      : sayCode(result.data, t("改约未成功", "Not moved")), "error");
    await reread(id);
    // Still booked: still being moved (to another slot), with its current time named.
    if (opened?.id === id && opened.status === "booked") startMoving();
    else stopMoving();
    return;
  }
  toast(t(`已改约到 ${label}，患者会收到改约短信`, `Moved to ${label}; the patient is told`), "ok");
  stopMoving();
  await Promise.all([open(id), refreshFound()]);
  onChange(opened);
}

async function resend() {
  const url = `/api/v1/appointments/${opened.id}/resend`;
  const result = await once(url, null, (key) => api("POST", url, undefined, key));
  if (result.ok) { toast(t("确认信息已重发", "Confirmation sent again"), "ok"); return; }
  toast(sayCode(result.data, t("未发送", "Not sent")), "error");
  if (result.data?.code !== "resent_recently") await reread(opened.id);
}

async function cancel(event) {
  event.preventDefault();
  const f = event.target.elements;
  const id = opened.id;
  const url = `/api/v1/appointments/${id}/cancel`;
  const body = { reason: f.reason.value, note: f.note.value.trim() || null };
  const result = await once(url, body, (key) => api("POST", url, body, key));
  if (!result.ok) {
    await reread(id);  // e.g. cancelled by someone else meanwhile: the panel says 已取消
    if (opened?.id === id && opened.status === "booked") $("cancel-form").hidden = false;  // as typed
    $("opened-error").textContent = sayCode(result.data, t("未取消", "Not cancelled"));
    $("opened-title").focus();
    return;
  }
  toast(t("已取消，号源已释放", "Cancelled; the place is free again"), "ok");
  await Promise.all([open(id), refreshFound()]);
  $("opened-title").focus();  // the form is gone: keep the keyboard in the panel
  onChange(opened);
}

export function initPanel(changed) {
  onChange = changed;
  $("find-form").addEventListener("submit", find);
  $("move").addEventListener("click", startMoving);
  $("stop-moving").addEventListener("click", stopMoving);
  $("resend").addEventListener("click", resend);
  $("cancel-open").addEventListener("click", () => {
    $("cancel-form").hidden = false;
    $("cancel-form").elements.reason.focus();  // the next thing to choose, not the button
  });
  $("cancel-form").addEventListener("submit", cancel);
}


