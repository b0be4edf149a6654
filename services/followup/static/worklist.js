// The follow-up worklist: due now, overdue, later; claim a task, read its call card,
// log each call. The rules (calling hours, spacing, the cap, do-not-call) are the
// server's; this page says what it answered.
import { api, el, stampAt, toast } from "/static/common/clinic.js";
import { sayCode } from "/static/common/problems.js";
import { mountSearch } from "/static/followup/answer_search.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const zone = document.body.dataset.zone || "Asia/Shanghai";
const services = JSON.parse(document.body.dataset.services || "{}");
const maxAttempts = Number($("rules").dataset.maxAttempts);
const me = $("rules").dataset.me;

const KINDS = { hospital_cancelled: t("停诊通知", "Hospital cancelled"),
  no_show: t("爽约回访", "No-show"), enquiry: t("咨询回访", "Enquiry"),
  satisfaction: t("满意度回访", "Satisfaction call") };
// A satisfaction call's three questions (SPEC §15), each scored 1–5.
const QUESTIONS = { explanation: t("讲解", "explanation"), waiting: t("候诊", "waiting"),
  overall: t("总体", "overall") };
const OUTCOMES = { no_answer: t("无人接听", "No answer"), busy: t("占线", "Busy"),
  switched_off: t("关机", "Switched off"), wrong_number: t("号码错误", "Wrong number"),
  call_back: t("约定回电", "Call back"), booked: t("约成", "Booked on the call"),
  declined: t("不需要", "Declined"), do_not_call: t("勿再来电", "Do not call"),
  dropped: t("通话中断", "Call dropped"), answered: t("已回答", "Answered"),
  refused: t("不愿回答", "Declined to answer") };
const STATUSES = { booked: t("已有新预约", "booked since"), unreached: t("无法联系", "unreached"),
  declined: t("不需要", "declined"), wrong_number: t("号码错误", "wrong number"),
  do_not_call: t("勿再来电", "do not call"), withdrawn: t("已撤销", "withdrawn"),
  answered: t("已回答", "answered"), refused: t("不愿回答", "declined to answer") };
const REASONS = { hospital: t("医院停诊", "The hospital cancelled."),
  expert_unavailable: t("专家停诊", "The expert is unavailable.") };
const CHANNELS = { chat: t("在线咨询", "Online chat"), phone: t("电话", "Phone"),
  wechat: t("微信", "WeChat"), qq: "QQ", walk_in: t("到院", "Walk-in"), other: t("其他", "Other") };

// What a person who declines said (SPEC §15): the fixed list, then the hospital's own.
const OBJECTIONS = { price: t("价格", "Price"), distance: t("路远", "Distance"),
  time: t("没时间", "No time"), treated_elsewhere: t("已在别处就诊", "Treated elsewhere"),
  wants_to_think: t("想再考虑", "Wants to think"), family_decides: t("需家人决定", "Family decides"),
  distrust: t("不信任", "Distrust"), other: t("其他", "Other") };
for (const [code, words] of Object.entries(JSON.parse($("rules").dataset.objections || "{}"))) {
  OBJECTIONS[code] = zh ? words.zh : words.en;
}
// The facts that answer an objection, as the card names them.
const FACTS = { fee: t("挂号费", "Fee"), insurance: t("医保", "Insurance (医保)"), parking: t("停车", "Parking"), address: t("地址", "Address"), directions: t("路线", "How to get there"),
  hospital_phone: t("医院电话", "Hospital phone"), expert: t("专家", "Expert"), department: t("科室", "Department"),
  alternatives: t("可改约的时段", "Places to offer instead") };
const factValue = (fact, value) => (fact === "fee" && /^\d+(\.\d+)?$/.test(value) ? `¥${value}`
  : fact === "alternatives" ? t(`${value} 个（见上）`, `${value} (above)`) : value);

// The honest greeting (SPEC §15): who calls, from where, why, and whether now suits.
function greetingOf(g) {
  const about = g.about ? g.about.slice(5).replace("-", zh ? "月" : "/") + (zh ? "日" : "") : "";
  const why = zh ? {
    no_show: `您${about ? ` ${about} ` : ""}${g.expert ? `${g.expert}的` : ""}预约没有来就诊，我们打电话问问您现在的情况，看是否需要重新安排`,
    hospital_cancelled: `您${about ? ` ${about} ` : ""}${g.expert ? `${g.expert}的` : ""}门诊因医院停诊取消了，很抱歉，我们打电话来帮您另行安排`,
    enquiry: `您${about ? ` ${about} ` : ""}向我们咨询过，当时同意我们回电，所以给您打电话`,
    satisfaction: `您${about ? ` ${about} ` : ""}来看过${g.expert ? `${g.expert}的` : ""}门诊，预约时同意我们回访，想请您回答三个简短的问题，了解这次就诊的感受`,
  } : {
    no_show: `you had an appointment${about ? ` on ${about}` : ""}${g.expert ? ` with ${g.expert}` : ""} and we did not see you; we are calling to ask how you are and whether you would like another`,
    hospital_cancelled: `your visit${about ? ` on ${about}` : ""}${g.expert ? ` with ${g.expert}` : ""} was cancelled by the hospital, we are sorry; we are calling to help you arrange another`,
    enquiry: `you asked us a question${about ? ` on ${about}` : ""} and agreed we could call you back`,
    satisfaction: `you came to see ${g.expert || "us"}${about ? ` on ${about}` : ""} and agreed at booking that we could call afterwards; we would like to ask three short questions about the visit`,
  };
  return t(`您好，我是${g.hospital || "医院"}的${g.caller}。${why[g.why] || ""}。请问您现在方便说几句吗？`,
    `Hello, this is ${g.caller} from ${g.hospital || "the hospital"}. ${(why[g.why] || "").replace(/^./, (c) => c.toUpperCase())}. Is now a good time to talk?`);
}
const REPEATED = { date: t("日期", "Date"), time: t("时间", "Time"), place: t("地点", "Place"), code: t("预约码", "Code") };

// The page's own words for every refusal followup answers with (the shared catalogue's
// "closed" is a slot's; here it is a task's). Chinese pages never show the API's English.
const hours = $("rules").dataset.hours || "";
const TOLD = zh ? {
  not_found: "找不到这个任务，可能已被删除。", closed: "这个任务已结束。",
  claimed: "另一位咨询员正在拨打这位患者。", not_due: "还没到这次拨打的时间。",
  outside_calling_hours: `现在不在呼叫时间内（${hours}）。`, not_claimed: "请先领取任务再拨打。",
  appointment_code_required: "请填写新预约的预约码。",
  unknown_appointment: "这个预约码不是这位患者在任务开始后的新预约，请核对。",
  call_back_at_required: "请填写约定回电的时间。", call_back_in_the_past: "约定回电的时间已经过去。",
  objection_required: "选“不需要”前，请先选择患者的顾虑。", unknown_objection: "这不是医院列出的顾虑。",
  objection_note_required: "选“其他”时，请在备注里写明患者说了什么。",
  handover_note_required: "请写转交备注，让下一位知道情况。", hand_to_self: "这个任务已经在您手里。",
  unknown_colleague: "请选择回访组的同事。",
  scores_required: "请为三个问题都打分（1–5 分）。", score_out_of_range: "分数是 1 到 5 的整数。",
  outcome_not_for_satisfaction: "满意度回访不记录预约或顾虑。",
} : {};
const refusal = (result, fallback) => TOLD[result.data?.code] || sayCode(result.data, fallback);

// The field a refusal is about: the keyboard goes there, not to the button pressed.
const FIELD_OF = {
  appointment_code_required: (f) => f.appointment_code, unknown_appointment: (f) => f.appointment_code,
  call_back_at_required: (f) => f.call_back_at, call_back_in_the_past: (f) => f.call_back_at,
  objection_required: (f) => f.objection, unknown_objection: (f) => f.objection,
  objection_note_required: (f) => f.note,
  scores_required: () => document.querySelector("#satisfaction-box input"),
};

let card = null;      // the open call card
let callKey = null;   // the Idempotency-Key of the call being logged
let countdown = null;
let talking = null;   // the call timer's interval

// A call's length as m:ss (the card's timer, the calls so far).
const length = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

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
      theirs ? el("small", { class: "muted" }, ` ${t("拨打中：", "calling: ")}${task.claimed_by_name || task.claimed_by}`) : null),
    el("td", {}, action));
}

async function load() {
  const kind = $("kind").value;
  const result = await api("GET", "/api/v1/tasks");
  if (!result.ok) return;
  // The open card's task is no longer open (booked from the card, or closed by a booking
  // event): the card says what became of it, at once.
  if (card && !card.closed && !result.data.some((task) => task.id === card.id)) refreshCard(card.id);
  const shown = result.data.filter((task) => !kind || task.kind === kind);
  // Rebuilt every few seconds: the keyboard stays on the same task's button.
  const held = document.activeElement?.closest?.("#worklist-layout tr[data-task]")?.dataset.task;
  for (const section of ["due_now", "overdue", "later"]) {
    const rows = shown.filter((task) => task.section === section);
    $(`${section}-count`).textContent = rows.length;
    $(section).replaceChildren(...(rows.length ? rows.map(taskRow)
      : [el("tr", {}, el("td", { class: "muted" }, t("没有", "None")))]));
  }
  if (held) document.querySelector(`tr[data-task="${held}"] button:not([disabled])`)?.focus();
  $("updated").textContent = `${t("更新于", "Updated")} ${stampAt(zone, new Date().toISOString()).slice(11)}`;
  myWork();
}

// The consultant's own row of the funnel (SPEC §9): the last 30 days of their work.
async function myWork() {
  const result = await api("GET", "/api/v1/funnel?by=consultant");
  if (!result.ok || !result.data.rows.length) return;
  const r = result.data.rows[0];
  const calls = Object.entries(r.calls || {}).filter(([, n]) => n);
  const made = calls.reduce((sum, [, n]) => sum + n, 0);
  $("my-work").textContent = t(
    `我的回访（近 30 天）：记录咨询 ${r.enquiries}，转为预约 ${r.converted}，到诊 ${r.arrived}；拨打 ${made} 次${calls.length ? `（${calls.map(([o, n]) => `${OUTCOMES[o]} ${n}`).join("，")}）` : ""}`,
    `My follow-up (last 30 days): ${r.enquiries} enquiries, ${r.converted} converted to bookings, ${r.arrived} arrived; ${made} calls${calls.length ? ` (${calls.map(([o, n]) => `${OUTCOMES[o]} ${n}`).join(", ")})` : ""}`);
  if (r.median_seconds != null) {
    $("my-work").textContent += t(`；通话时长中位数 ${length(Math.round(r.median_seconds))}（计时 ${r.timed_calls} 次）`,
      `; median call ${length(Math.round(r.median_seconds))} (${r.timed_calls} timed)`);
  }
  $("my-work").hidden = false;
}

// An error shown earlier goes once something succeeds.
function settled() {
  const box = $("toast");
  if (box.classList.contains("error")) box.className = "";
  say("");
}

async function claim(id) {
  const result = await api("POST", `/api/v1/tasks/${id}/claim`);
  if (!result.ok) { toast(refusal(result, t("无法领取", "Could not claim")), "error"); load(); return; }
  settled();
  await openCard(id);
  $("card-phone").focus();
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
  if (!result.ok) { toast(refusal(result, t("无法打开", "Could not open")), "error"); return; }
  settled();
  showCard(result.data);
  // On a phone the card comes first (clinic.css, .worklist.calling) and into view.
  $("worklist-layout").classList.add("calling");
  $("card").scrollIntoView({ block: "start" });
}

function showCard(data) {
  card = data;
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
    [t("备注", "Note"), c.note], [t("记录人", "Recorded by"), card.recorded_by_name || c.recorded_by]] : [
    [t("预约码", "Code"), c.code], [t("就诊时间", "Visit"), c.start && stampAt(zone, c.start).slice(0, 16)],
    [t("专家", "Expert"), c.expert], [t("科室", "Department"), c.department],
    [t("原因", "Why"), card.kind === "no_show" ? t("未到诊", "The patient did not come.")
      : card.kind === "satisfaction" ? t("就诊后的满意度回访（患者预约时同意）", "A satisfaction call after the visit (agreed at booking).")
        : REASONS[c.reason] || c.reason],
    [t("说明", "Note"), c.note],
    [t("短信", "SMS"), card.kind === "hospital_cancelled" && !card.sms_reached
      ? t("患者没有收到停诊短信（未同意短信或不是手机号）", "No SMS reached the patient (no consent, or not a mobile)") : ""]]);
  const manners = card.etiquette || {};
  $("card-greeting").textContent = manners.greeting ? greetingOf(manners.greeting) : "";
  $("card-greeting-box").hidden = !manners.greeting || card.status !== "open";
  const back = manners.repeat_back || [];
  facts($("card-repeat"), back.map(({ fact, value }) => [REPEATED[fact] || fact, value]));
  $("card-repeat-hint").hidden = back.length > 0;
  const h = card.hospital || {};
  facts($("card-hospital"), [[t("医院", "Hospital"), h.name], [t("地址", "Address"), h.address],
    [t("路线", "How to get there"), h.directions], [t("电话", "Phone"), h.phone]]);
  const alternatives = c.alternatives || [];
  const open = card.status === "open";
  $("card-alternatives-box").hidden = alternatives.length === 0;
  // On a closed task the places are what was offered, not something to book: plain
  // text, without the counts of then.
  $("card-alternatives").replaceChildren(...alternatives.map((slot) => {
    const place = `${slot.expert} · ${stampAt(zone, slot.start).slice(5, 16)}`;
    return open ? el("li", {},
      el("a", { href: consoleLink(card, slot), target: "_blank", rel: "noopener" }, place),
      el("span", { class: "muted" }, ` ${t("余", "left")} ${slot.remaining}`))
      : el("li", { class: "muted" }, place);
  }));
  $("card-alternatives-closed").hidden = open;
  $("card-console-box").hidden = !open || alternatives.length > 0;
  $("card-console").href = consoleLink(card, null);
  $("card-complaint").href = `/complaints?task=${card.id}`;
  $("card-complaint-box").hidden = !open;
  $("card-calls").replaceChildren(...(card.calls.length ? card.calls.map((call) => el("li", {},
    `${stampAt(zone, call.at).slice(5, 16)} ${call.by_name || call.by} · ${OUTCOMES[call.outcome]}`,
    call.appointment_code ? ` ${call.appointment_code}` : "",
    call.objection ? ` · ${OBJECTIONS[call.objection] || call.objection}` : "",
    call.scores ? ` · ${Object.entries(QUESTIONS).map(([q, word]) => `${word} ${call.scores[q]}`).join(" ")}` : "",
    call.seconds != null ? ` · ${t("通话", "call")} ${length(call.seconds)}` : "",
    call.note ? ` — ${call.note}` : ""))
    : [el("li", { class: "muted" }, t("还没有拨打", "No calls yet"))]));
  $("call-form").reset(); say("");
  $("handover-form").reset(); $("handover-error").textContent = "";
  $("handover-box").hidden = !open;
  const handovers = card.handovers || [];
  $("card-handovers-box").hidden = handovers.length === 0;
  $("card-handovers").replaceChildren(...handovers.map((h) => el("li", {},
    `${stampAt(zone, h.at).slice(5, 16)} ${h.by_name || h.by} → ${h.to ? h.to_name || h.to : t("放回列表", "back to the list")}`,
    h.note ? ` — ${h.note}` : "")));
  $("objection").replaceChildren(el("option", { value: "" }, t("请选择", "Choose")),
    ...(card.objections || []).map((code) => el("option", { value: code }, OBJECTIONS[code] || code)));
  showAnswers();
  // A satisfaction call asks three questions and books nothing (no objection, no code).
  const asking = card.kind === "satisfaction";
  $("satisfaction-box").hidden = !asking;
  $("booking-outcomes").hidden = asking; $("booked-row").hidden = asking;
  $("card-repeat-box").hidden = asking;  // nothing is agreed on to say back
  if (asking) $("card-console-box").hidden = true;
  card.closed = !open;
  $("call-form").hidden = !open; $("card-claim").hidden = !open;
  $("card-closed").hidden = open;
  $("card-call-box").hidden = !open;
  $("card-redial").hidden = !(open && card.redial_pending);
  startTimer(open ? card.dialled_at : null);
  if (open) { startCountdown(card.claimed_until); return; }
  clearInterval(countdown);
  $("card-state").textContent = stateOf(card);
}

// The facts the desk holds that answer the objection chosen (never a script).
function showAnswers() {
  const chosen = $("objection").value;
  const found = (card?.objection_answers || {})[chosen] || [];
  facts($("card-answers"), found.map(({ fact, value }) => [FACTS[fact] || fact, factValue(fact, value)]));
  $("card-answers-box").hidden = found.length === 0;
}

// The desk's other consultants, for the hand-over list (once per page).
let colleagues = null;
async function fillColleagues() {
  if (!colleagues) {
    const result = await api("GET", "/api/v1/colleagues");
    colleagues = result.ok ? result.data : [];
  }
  $("handover-to").replaceChildren(el("option", { value: "" }, t("请选择", "Choose")),
    ...colleagues.map((c) => el("option", { value: c.username }, c.name)));
}

// Hand the card's task to a colleague (``to``) or back to the list (none), with the note.
async function handOver(to) {
  if (!card) return;
  const f = $("handover-form").elements;
  const error = (text, field) => { $("handover-error").textContent = text; field?.focus(); };
  if (to === "") { error(t("请选择同事。", "Choose a colleague."), f.to); return; }
  const note = f.note.value.trim();
  if (!note) { error(TOLD.handover_note_required || "Say in a note what the next caller should know.", f.note); return; }
  const result = await api("POST", `/api/v1/tasks/${card.id}/hand-over`, { to, note });
  if (!result.ok) { error(refusal(result, t("未能转交", "Not handed over"))); return; }
  const name = to ? colleagues.find((c) => c.username === to)?.name || to : "";
  closeCard(to ? t(`已转交给 ${name}`, `Handed to ${name}`) : t("已放回列表", "Back on the list"));
}

// What became of a task that is no longer open, in the page's language.
function stateOf(task) {
  const code = task.booked_code || "";
  const byCall = task.status === "booked" && [...task.calls].reverse()
    .find((call) => call.outcome === "booked" && (!code || call.appointment_code === code));
  if (byCall) {
    return t(`新预约 ${byCall.appointment_code}：${byCall.by_name || byCall.by} 的这次回访已记录为“约成”，任务已结束。`,
      `New booking ${byCall.appointment_code}: the call by ${byCall.by_name || byCall.by} is logged as booked on the call; the task is closed.`);
  }
  if (task.status === "booked") {
    return t(`已因新预约${code ? ` ${code} ` : ""}关闭：患者已经有了预约，不用再拨打。`,
      `Closed by a new booking${code ? ` (${code})` : ""}: the patient has an appointment; no call is needed.`);
  }
  return t(`这个任务已结束：${STATUSES[task.status] || task.status}。`,
    `This task is closed: ${STATUSES[task.status] || task.status}.`);
}

// The card's task as it is now (no longer claimed by anyone once closed, so this read
// shows a masked phone and writes nothing to the access log).
async function refreshCard(id) {
  const result = await api("GET", `/api/v1/tasks/${id}`);
  if (!result.ok || !card || card.id !== id) return;
  if (result.data.status !== "open") showCard(result.data);
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

// The call timer: from the call button's press (the server's time of it) until the
// outcome is logged; it goes on across a reload of the card.
function startTimer(since) {
  clearInterval(talking);
  $("card-talk").hidden = !since;
  $("card-dial").hidden = Boolean(since);
  if (!since) return;
  const tick = () => { $("card-timer").textContent = length(Math.max(0, Math.round((Date.now() - new Date(since)) / 1000))); };
  tick();
  talking = setInterval(tick, 1000);
}

async function dial() {
  if (!card) return;
  const result = await api("POST", `/api/v1/tasks/${card.id}/dial`);
  if (!result.ok) { say(refusal(result, t("无法开始通话", "Could not start the call"))); return; }
  card.dialled_at = result.data.dialled_at;
  startTimer(card.dialled_at);
  // The pressed button is hidden now: the keyboard goes on to the call's outcomes.
  [...$("call-form").querySelectorAll("[data-outcome]")].find((b) => b.offsetParent !== null)?.focus();
}

async function closeCard(message) {
  clearInterval(countdown);
  startTimer(null);
  // The keyboard was on the card (a button now hidden): it goes to the list's next task,
  // else the first one to claim, else the card's heading — never back to <body>.
  const focused = document.activeElement;
  const lost = !focused || focused === document.body || $("card").contains(focused);
  const rows = [...document.querySelectorAll("#worklist-layout tr[data-task]")].map((row) => row.dataset.task);
  const after = card ? rows.slice(rows.indexOf(String(card.id)) + 1) : rows;
  card = null;
  $("card-body").hidden = true; $("card-hint").hidden = false;
  $("worklist-layout").classList.remove("calling");
  if (message) toast(message);
  if (lost) $("card-title").focus();
  await load();
  if (!lost || (document.activeElement !== $("card-title") && document.activeElement !== document.body)) return;
  const button = (id) => document.querySelector(`tr[data-task="${id}"] button:not([disabled])`);
  const next = after.map(button).find(Boolean)
    || document.querySelector("#due_now button:not([disabled]), #overdue button:not([disabled])");
  if (next) next.focus();
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
  if (outcome === "call_back") {
    body.call_back_at = hospitalMoment(f.call_back_at.value);
    if (!body.call_back_at) { say(TOLD.call_back_at_required || "Say when to call back.", f.call_back_at); return; }
  }
  if (outcome === "declined") {
    body.objection = f.objection.value || null;
    if (!body.objection) { say(TOLD.objection_required || "Say what the person said: the objection.", f.objection); return; }
  }
  if (outcome === "answered") {
    body.scores = {};
    for (const group of document.querySelectorAll("#satisfaction-box [data-question]")) {
      const picked = group.querySelector("input:checked");
      if (!picked) { say(TOLD.scores_required || "Score all three questions (1–5).", group.querySelector("input")); return; }
      body.scores[group.dataset.question] = Number(picked.value);
    }
  }
  if (outcome === "booked") {
    body.appointment_code = f.appointment_code.value.trim().toUpperCase() || null;
    if (!/^[0-9A-Z]{8}$/.test(body.appointment_code || "")) {
      say(body.appointment_code ? t("预约码是 8 位字母或数字。", "An appointment code is 8 letters or digits.")
        : TOLD.appointment_code_required || "Give the new appointment's code.", f.appointment_code);
      return;
    }
  }
  const id = card.id;
  const result = await api("POST", `/api/v1/tasks/${id}/calls`, body, { "Idempotency-Key": callKey });
  if (!result.ok) {
    // Closed meanwhile (a booking closed it, or a colleague's call): show what it is now.
    if (result.data?.code === "closed") { await refreshCard(id); load(); return; }
    say(refusal(result, t("未保存", "Not saved")), FIELD_OF[result.data?.code]?.(f));
    return;
  }
  settled();
  const task = result.data;
  // Dropped: the claim stays, the card stays, for the one immediate redial.
  if (task.redial_pending) { await openCard(id); $("card-dial").focus(); return; }
  closeCard(task.status === "open"
    ? t(`已记录。下次拨打：${when(task.due_at)}`, `Logged. Next call: ${when(task.due_at)}`)
    : t(`已记录，任务结束：${STATUSES[task.status]}`, `Logged; the task is closed: ${STATUSES[task.status]}`));
}

// The call form's error; with a field, that field is marked and takes the keyboard (the
// button pressed is not what needs fixing). Any new word clears the earlier mark.
function say(text, field = null) {
  $("call-error").textContent = text;
  for (const marked of $("call-form").querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
  if (!field) return;
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", "call-error");
  field.focus();
}

for (const button of document.querySelectorAll("[data-outcome]")) {
  button.addEventListener("click", () => logCall(button.dataset.outcome));
}
$("kind").addEventListener("change", load);
$("card-dial").addEventListener("click", dial);
const searchAnswers = mountSearch($("card-answer-q"), $("card-answer-list"));
$("card-answers-search").addEventListener("toggle", () => { if ($("card-answers-search").open) searchAnswers(); });
$("handover-give").addEventListener("click", () => handOver($("handover-to").value));
$("handover-release").addEventListener("click", () => handOver(null));
$("handover-box").addEventListener("toggle", () => { if ($("handover-box").open) fillColleagues(); });
$("objection").addEventListener("change", () => { showAnswers(); say(""); });
// The phone's own link dials too: the call starts then, if the button was not pressed.
$("card-phone").addEventListener("click", () => { if (card && !card.dialled_at) dial(); });
$("card-done").addEventListener("click", () => closeCard());
// Back from the console (another tab) or the phone: the list and the card at once.
document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });
window.addEventListener("focus", load);
await load();
// Every 15 s; every 5 s while a card is open, so a booking made from it shows at once.
let ticks = 0;
setInterval(() => { ticks += 1; if (!document.hidden && (card || ticks % 3 === 0)) load(); }, 5000);
