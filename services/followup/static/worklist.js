// The follow-up worklist: due now, overdue, later; claim a task, read its call card,
// log each call. The rules (calling hours, spacing, the cap, do-not-call) are the
// server's; this page says what it answered.
import { api, el, stampAt, toast } from "/static/common/clinic.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const zone = document.body.dataset.zone || "Asia/Shanghai";
const services = JSON.parse(document.body.dataset.services || "{}");
const maxAttempts = Number($("rules").dataset.maxAttempts);
const me = $("rules").dataset.me;

const KINDS = { hospital_cancelled: t("停诊通知", "Hospital cancelled"),
  no_show: t("爽约回访", "No-show"), enquiry: t("咨询回访", "Enquiry") };
const OUTCOMES = { no_answer: t("无人接听", "No answer"), busy: t("占线", "Busy"),
  switched_off: t("关机", "Switched off"), wrong_number: t("号码错误", "Wrong number"),
  call_back: t("约定回电", "Call back"), booked: t("已预约", "Booked"),
  declined: t("不需要", "Declined"), do_not_call: t("勿再来电", "Do not call") };
const STATUSES = { booked: t("已预约", "booked"), unreached: t("无法联系", "unreached"),
  declined: t("不需要", "declined"), wrong_number: t("号码错误", "wrong number"),
  do_not_call: t("勿再来电", "do not call"), withdrawn: t("已撤销", "withdrawn") };
const REASONS = { hospital: t("医院停诊", "the hospital cancelled"),
  expert_unavailable: t("专家停诊", "the expert is unavailable") };
const CHANNELS = { chat: t("在线咨询", "Online chat"), phone: t("电话", "Phone"),
  wechat: t("微信", "WeChat"), qq: "QQ", walk_in: t("到院", "Walk-in"), other: t("其他", "Other") };

let card = null;      // the open call card
let callKey = null;   // the Idempotency-Key of the call being logged
let countdown = null;

const when = (iso) => {
  const stamp = stampAt(zone, iso);
  const today = stampAt(zone, new Date().toISOString()).slice(0, 10);
  return stamp.startsWith(today) ? stamp.slice(11, 16) : stamp.slice(5, 16);
};

function taskRow(task) {
  const mine = task.claimed_by && task.claimed_by === me;
  const theirs = task.claimed_by && !mine;
  const action = mine
    ? el("button", { type: "button", class: "primary", onclick: () => openCard(task.id) }, t("打开", "Open"))
    : el("button", { type: "button", class: "secondary", disabled: task.section === "later" || theirs,
      onclick: () => claim(task.id) }, t("领取", "Claim"));
  const lead = task.kind === "hospital_cancelled" && !task.sms_reached
    ? el("span", { class: "pill cancelled" }, t("短信未送达", "No SMS reached")) : null;
  return el("tr", { "data-task": task.id },
    el("td", {}, el("span", { class: `pill kind-${task.kind}` }, KINDS[task.kind]), " ", lead),
    el("td", {}, el("strong", {}, task.patient.name), el("br"),
      el("span", { class: "muted" }, task.patient.phone)),
    el("td", {}, when(task.due_at), el("br"),
      el("small", { class: "muted" }, `${t("未接通", "unanswered")} ${task.attempts}/${maxAttempts}`)),
    el("td", { class: "optional" }, task.last_outcome ? OUTCOMES[task.last_outcome] : "",
      theirs ? el("small", { class: "muted" }, ` ${t("拨打中：", "calling: ")}${task.claimed_by}`) : null),
    el("td", {}, action));
}

async function load() {
  const kind = $("kind").value;
  const result = await api("GET", `/api/v1/tasks${kind ? `?kind=${kind}` : ""}`);
  if (!result.ok) return;
  for (const section of ["due_now", "overdue", "later"]) {
    const rows = result.data.filter((task) => task.section === section);
    $(`${section}-count`).textContent = rows.length;
    $(section).replaceChildren(...(rows.length ? rows.map(taskRow)
      : [el("tr", {}, el("td", { class: "muted" }, t("没有", "None")))]));
  }
  $("updated").textContent = `${t("更新于", "Updated")} ${stampAt(zone, new Date().toISOString()).slice(11)}`;
}

async function claim(id) {
  const result = await api("POST", `/api/v1/tasks/${id}/claim`);
  if (!result.ok) { toast(result.data?.detail || t("无法领取", "Could not claim"), "error"); load(); return; }
  await openCard(id);
  load();
}

function facts(list, pairs) {
  list.replaceChildren(...pairs.filter(([, value]) => value).flatMap(([term, value]) =>
    [el("dt", {}, term), el("dd", {}, value)]));
}

function consoleLink(task, slot) {
  const c = task.context;
  const query = new URLSearchParams({ task: task.id });
  if (c.department_id) query.set("department", c.department_id);
  if (slot) { query.set("slot", slot.slot_id); query.set("date", stampAt(zone, slot.start).slice(0, 10)); }
  return `${services.booking}/console?${query}`;
}

async function openCard(id) {
  const result = await api("GET", `/api/v1/tasks/${id}`);
  if (!result.ok) { toast(result.data?.detail || t("无法打开", "Could not open"), "error"); return; }
  card = result.data;
  callKey = crypto.randomUUID();
  const c = card.context;
  $("card-hint").hidden = true; $("card-body").hidden = false;
  $("card-name").textContent = card.patient.name;
  $("card-kind").textContent = KINDS[card.kind];
  $("card-phone").textContent = card.patient.phone;
  $("card-phone").href = `tel:${card.patient.phone}`;
  facts($("card-what"), card.kind === "enquiry" ? [
    [t("咨询时间", "Asked"), c.asked_at && stampAt(zone, c.asked_at).slice(0, 16)],
    [t("渠道", "Channel"), CHANNELS[c.channel]], [t("咨询内容", "Asked about"), c.complaint],
    [t("备注", "Note"), c.note], [t("记录人", "Recorded by"), c.recorded_by]] : [
    [t("预约码", "Code"), c.code], [t("就诊时间", "Visit"), c.start && stampAt(zone, c.start).slice(0, 16)],
    [t("专家", "Expert"), c.expert], [t("科室", "Department"), c.department],
    [t("原因", "Why"), card.kind === "no_show" ? t("未到诊", "did not come") : REASONS[c.reason] || c.reason],
    [t("说明", "Note"), c.note],
    [t("短信", "SMS"), card.kind === "hospital_cancelled" && !card.sms_reached
      ? t("患者没有收到停诊短信（未同意短信或不是手机号）", "No SMS reached the patient (no consent, or not a mobile)") : ""]]);
  const h = card.hospital || {};
  facts($("card-hospital"), [[t("医院", "Hospital"), h.name], [t("地址", "Address"), h.address],
    [t("路线", "How to get there"), h.directions], [t("电话", "Phone"), h.phone]]);
  const alternatives = c.alternatives || [];
  $("card-alternatives-box").hidden = alternatives.length === 0;
  $("card-alternatives").replaceChildren(...alternatives.map((slot) => el("li", {},
    el("a", { href: consoleLink(card, slot), target: "_blank", rel: "noopener" },
      `${slot.expert} · ${stampAt(zone, slot.start).slice(5, 16)}`),
    el("span", { class: "muted" }, ` ${t("余", "left")} ${slot.remaining}`))));
  $("card-console-box").hidden = alternatives.length > 0;
  $("card-console").href = consoleLink(card, null);
  $("card-calls").replaceChildren(...(card.calls.length ? card.calls.map((call) => el("li", {},
    `${stampAt(zone, call.at).slice(5, 16)} ${call.by} · ${OUTCOMES[call.outcome]}`,
    call.appointment_code ? ` ${call.appointment_code}` : "", call.note ? ` — ${call.note}` : ""))
    : [el("li", { class: "muted" }, t("还没有拨打", "No calls yet"))]));
  $("call-form").reset(); $("call-error").textContent = "";
  startCountdown(card.claimed_until);
}

function startCountdown(until) {
  clearInterval(countdown);
  const tick = () => {
    const left = until ? Math.max(0, Math.round((new Date(until) - Date.now()) / 1000)) : 0;
    $("card-countdown").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) { clearInterval(countdown); closeCard(t("领取已过期，请重新领取。", "The claim ran out; claim the task again.")); }
  };
  tick();
  countdown = setInterval(tick, 1000);
}

function closeCard(message) {
  clearInterval(countdown);
  card = null;
  $("card-body").hidden = true; $("card-hint").hidden = false;
  if (message) toast(message);
  load();
}

// A datetime-local value is a moment on the browser's clock; the hospital's clock is what
// the consultant and the patient agreed on, so read it in the hospital's zone.
function hospitalMoment(local) {
  if (!local) return null;
  const guess = new Date(`${local}:00Z`);
  const shown = new Date(stampAt(zone, guess.toISOString()).replace(" ", "T") + "Z");
  return new Date(guess.getTime() - (shown - guess)).toISOString();
}

async function logCall(outcome) {
  if (!card) return;
  const f = $("call-form").elements;
  if (outcome === "do_not_call" && !window.confirm(t("把这个号码加入勿再来电名单？以后不会再为它开任何回访任务。",
    "Put this number on the do-not-call list? No follow-up task will ever open for it again."))) return;
  const body = { outcome, note: f.note.value.trim() };
  if (outcome === "call_back") body.call_back_at = hospitalMoment(f.call_back_at.value);
  if (outcome === "booked") body.appointment_code = f.appointment_code.value.trim() || null;
  const result = await api("POST", `/api/v1/tasks/${card.id}/calls`, body, { "Idempotency-Key": callKey });
  if (!result.ok) {
    $("call-error").textContent = result.data?.detail
      || Object.values(result.data?.errors?.json || {}).flat().join(" ") || t("未保存", "Not saved");
    return;
  }
  const task = result.data;
  closeCard(task.status === "open"
    ? t(`已记录。下次拨打：${when(task.due_at)}`, `Logged. Next call: ${when(task.due_at)}`)
    : t(`已记录，任务结束：${STATUSES[task.status]}`, `Logged; the task is closed: ${STATUSES[task.status]}`));
}

for (const button of document.querySelectorAll("[data-outcome]")) {
  button.addEventListener("click", () => logCall(button.dataset.outcome));
}
$("kind").addEventListener("change", load);
await load();
setInterval(load, 15000);
