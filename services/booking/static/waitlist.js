// The waitlist (候补) of one full expert-day: who waits in what order, who it has booked,
// and a short form to add the patient on the line. When a place frees, the first waiting
// patient is booked by the server at once; this panel only shows it.
import { api, el, toast, validPhone } from "/static/common/clinic.js";
import { dayLabel } from "/static/booking/grid.js";
import { clearProblem, sayCode, showProblem } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const STATUS = { waiting: t("候补中", "waiting"), booked: t("已约上", "booked"),
  cancelled: t("已移除", "removed"), expired: t("已截止", "expired"), ended: t("已结束", "ended") };

let shown = null;  // {expert, date}
let onChange = () => {};

export function initWaitlist(changed) {
  onChange = changed;
  $("wait-form").addEventListener("submit", join);
  $("wait-close").addEventListener("click", () => { shown = null; $("wait-panel").hidden = true; });
}

export async function showWaitlist(expert, date) {
  shown = { expert, date };
  $("wait-panel").hidden = false;
  $("wait-for").textContent = `${expert.name} · ${dayLabel(date)}`;
  $("wait-error").textContent = "";
  await refresh();
  $("wait-panel").scrollIntoView({ block: "nearest" });
}

export async function refreshWaitlist() {
  if (shown) await refresh();
}

async function refresh() {
  const { expert, date } = shown;
  const result = await api("GET", `/api/v1/waitlist?expert_id=${expert.id}&date=${date}`);
  const rows = result.ok ? result.data : [];
  $("wait-list").replaceChildren(...(rows.length ? rows.map(entryLine)
    : [el("li", { class: "muted" }, t("还没有人候补。", "Nobody is waiting."))]));
}

function entryLine(entry) {
  const where = entry.position ? t(`第 ${entry.position} 位`, `#${entry.position}`) : "";
  const booked = entry.appointment_code ? t(`预约码 ${entry.appointment_code}`, `code ${entry.appointment_code}`) : "";
  return el("li", { "data-entry": entry.id, class: entry.status },
    el("span", {}, where, " ", el("strong", {}, entry.patient.name), " ",
      el("span", { class: "muted" }, entry.patient.phone)),
    " ", el("span", { class: `pill ${entry.status === "booked" ? "checked_in" : entry.status}` },
      STATUS[entry.status] || entry.status), " ", booked,
    entry.status === "waiting" ? el("button", { type: "button", class: "secondary small",
      onclick: () => leave(entry) }, t("移除", "Remove")) : null);
}

async function leave(entry) {
  const result = await api("DELETE", `/api/v1/waitlist/${entry.id}`);
  if (!result.ok) toast(sayCode(result.data, t("移除失败", "Could not remove")), "error");
  await refresh();
  onChange();
}

async function join(event) {
  event.preventDefault();
  const f = event.target.elements;
  const phone = f.phone.value.trim(), name = f.name.value.trim();
  if (!name || !validPhone(phone)) {
    $("wait-error").textContent = t("请填写姓名和正确的手机号。", "A name and a valid phone number are needed.");
    return;
  }
  const body = { expert_id: shown.expert.id, date: shown.date, channel: f.channel.value,
    patient: { name, phone, sms_consent: f.sms_consent.checked } };
  const result = await api("POST", "/api/v1/waitlist", body, { "Idempotency-Key": crypto.randomUUID() });
  if (!result.ok) {
    const told = {
      has_room: t("这一天还有空号，请直接预约。", "There are places left that day: book one."),
      already_waiting: t("这位患者已在候补名单上。", "This patient is already on the list."),
      closed: t("这一天的预约已截止。", "Booking for that day has closed."),
    };
    showProblem(event.target, result, $("wait-error"), t("未能加入候补", "Not added"), told);
    return;
  }
  clearProblem(event.target, $("wait-error"));
  event.target.reset();
  toast(t(`已加入候补，第 ${result.data.position} 位`, `On the waitlist, number ${result.data.position}`), "ok");
  await refresh();
  onChange();
}
