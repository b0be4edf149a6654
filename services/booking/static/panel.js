// The console's appointment panel: find an appointment across dates by what the caller
// says (phone in any spelling or a part of it, name, code), open it (full contact data,
// logged), move it by clicking a slot in the grid, cancel it with a reason, send its
// confirmation again.
import { api, el, toast } from "/static/common/clinic.js";

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
      : (result.data?.detail || t("查找失败", "Search failed")))]));
}

async function open(id) {
  const result = await api("GET", `/api/v1/appointments/${id}`);
  if (!result.ok) { toast(result.data?.detail || t("无法打开", "Could not open"), "error"); return; }
  opened = result.data;
  const a = opened;
  $("opened").hidden = false; $("cancel-form").hidden = true; $("opened-error").textContent = "";
  $("opened-title").textContent = `${a.patient.name} · ${STATUSES[a.status]}`;
  const facts = [[t("手机号", "Phone"), a.patient.phone], [t("时间", "When"), when(a)],
    [t("专家", "Expert"), `${a.expert.name} ${a.expert.title || ""}`],
    [t("科室", "Department"), a.department?.name], [t("预约码", "Code"), a.code],
    [t("序号", "Number"), a.queue_number], [t("主诉", "Complaint"), a.complaint],
    [t("取消原因", "Cancelled because"), a.cancel_reason && `${REASONS[a.cancel_reason] || a.cancel_reason}${a.cancel_note ? `：${JSON.parse($("opened-facts").dataset.notes || "{}")[a.cancel_note] || a.cancel_note}` : ""}`]];
  $("opened-facts").replaceChildren(...facts.filter(([, v]) => v).flatMap(([k, v]) =>
    [el("dt", {}, k), el("dd", {}, v)]));
  const upcoming = a.status === "booked";
  for (const id of ["move", "resend", "cancel-open"]) $(id).disabled = !upcoming;
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
  const result = await api("POST", `/api/v1/appointments/${moving.id}/reschedule`, { slot_id: slot.slot_id });
  if (!result.ok) {
    toast(result.data?.code === "slot_full" ? t("这个时段刚刚约满了", "That slot just filled up")
      : (result.data?.detail || t("改约未成功", "Not moved")), "error");
    return;
  }
  toast(t(`已改约到 ${label}，患者会收到改约短信`, `Moved to ${label}; the patient is told`), "ok");
  const id = moving.id;
  stopMoving();
  await Promise.all([open(id), refreshFound()]);
  onChange();
}

async function resend() {
  const result = await api("POST", `/api/v1/appointments/${opened.id}/resend`);
  toast(result.ok ? t("确认信息已重发", "Confirmation sent again")
    : (result.data?.code === "resent_recently" ? t("刚刚已重发过，请稍后再试", "Sent a moment ago; try again later")
      : (result.data?.detail || t("未发送", "Not sent"))), result.ok ? "ok" : "error");
}

async function cancel(event) {
  event.preventDefault();
  const f = event.target.elements;
  const result = await api("POST", `/api/v1/appointments/${opened.id}/cancel`,
    { reason: f.reason.value, note: f.note.value.trim() || null });
  if (!result.ok) { $("opened-error").textContent = result.data?.detail || t("未取消", "Not cancelled"); return; }
  toast(t("已取消，号源已释放", "Cancelled; the place is free again"), "ok");
  await Promise.all([open(opened.id), refreshFound()]);
  $("opened-title").focus();  // the form is gone: keep the keyboard in the panel
  onChange();
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


