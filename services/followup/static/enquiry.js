// The enquiry form: someone asked but did not book. With their consent they are called
// back after a day if they have not booked by then; booking the same name and phone
// marks the enquiry "booked" (converted) on its own.
import { api, el, stampAt, toast, validPhone } from "/static/common/clinic.js";
import { clearProblem, showProblem } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const zone = document.body.dataset.zone || "Asia/Shanghai";
const form = $("enquiry-form");
const CHANNELS = Object.fromEntries([...form.elements.channel.options].map((o) => [o.value, o.text]));
let key = crypto.randomUUID();

function mark(name, message) {
  const input = form.elements[name];
  if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
  const box = form.querySelector(`[data-for="${name}"]`);
  if (box) box.textContent = message || "";
}

// A toast left from the last save never stands beside a new error.
function hideToast() {
  $("toast").className = "";
}

async function save(event) {
  event.preventDefault();
  const f = form.elements;
  clearProblem(form, $("form-error"));
  const body = { name: f.name.value.trim(), phone: f.phone.value.trim(), channel: f.channel.value,
    department_id: f.department_id.value ? Number(f.department_id.value) : null,
    complaint: f.complaint.value.trim(), note: f.note.value.trim(), call_consent: f.call_consent.checked };
  mark("name", body.name ? "" : t("请填写姓名", "Name is needed"));
  mark("phone", validPhone(body.phone) ? "" : t("手机号格式不对", "Not a valid phone number"));
  if (!body.name || !validPhone(body.phone)) {
    hideToast();
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  $("save").disabled = true;
  const result = await api("POST", "/api/v1/enquiries", body, { "Idempotency-Key": key });
  $("save").disabled = false;
  if (!result.ok) {
    hideToast();
    // Field by field in the page's language; a refusal with no field goes in the box.
    showProblem(form, result, $("form-error"), t("未保存", "Not saved"));
    if (!$("form-error").textContent && !form.querySelector('[aria-invalid="true"]')) {
      $("form-error").textContent = t("未保存", "Not saved");
    }
    return;
  }
  key = crypto.randomUUID();
  form.reset();
  clearProblem(form, $("form-error"));
  f.name.focus();  // ready for the next enquiry
  const hours = form.dataset.enquiryHours;
  toast(body.call_consent ? t(`已保存；患者 ${hours} 小时内未预约的话，会出现在回访工作台。`, `Saved; unless they book within ${hours} hours, they appear on the worklist.`)
    : t("已保存（患者未同意回电，不会回访）。", "Saved (no consent to be called back: nobody will call)."), "ok");
  load();
}

async function load() {
  const today = stampAt(zone, new Date().toISOString()).slice(0, 10);
  const result = await api("GET", `/api/v1/enquiries?from=${today}&to=${today}`);
  if (!result.ok) return;
  $("recent").replaceChildren(...(result.data.length ? result.data.map((e) => el("tr", { "data-enquiry": e.id },
    el("td", {}, stampAt(zone, e.created_at).slice(11, 16)), el("td", {}, e.name), el("td", {}, e.phone),
    el("td", {}, CHANNELS[e.channel] || e.channel), el("td", {}, e.call_consent ? t("是", "yes") : t("否", "no")),
    el("td", {}, e.status === "converted"
      ? el("span", { class: "pill checked_in" }, `${t("已预约", "Booked")} ${e.appointment_code || ""}`)
      : el("span", { class: "pill" }, t("未预约", "Not booked")))))
    : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("今天还没有记录。", "None recorded today.")))]));
}

form.addEventListener("submit", save);
form.addEventListener("input", (e) => mark(e.target.name, ""));
await load();
setInterval(load, 5000);
