// The admin page: hospital facts, departments, experts, templates, a week of slots.
import { addDays, api, el, hhmm, isoWeekday, newestOnly, todayAt, toast } from "/static/common/clinic.js";
import { WORDS, clearProblem, showProblem } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const DAYS = zh ? ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
  : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const $ = (id) => document.getElementById(id);
const form = (node) => Object.fromEntries(new FormData(node).entries());

async function loadHospital() {
  const result = await api("GET", "/api/v1/hospital");
  if (!result.ok) return;
  for (const [key, value] of Object.entries(result.data)) {
    const input = $("hospital-form").elements[key];
    if (input) input.value = value ?? "";
  }
}

// An item of a list edited where it is: a small form in place of its line, saved with
// PATCH; the line comes back when it is saved or left.
function editInPlace(line, fields, values, url, reload) {
  const edit = el("form", { class: "grid inline-edit", novalidate: true },
    ...fields.map(([name, label, kind]) => el("label", {}, label, " ", kind === "textarea"
      ? el("textarea", { name, rows: 2 }, values[name] ?? "")
      : kind === "department" ? el("select", { name }, ...departments.filter((d) => d.active || d.id === values[name])
        .map((d) => el("option", { value: d.id, selected: d.id === values[name] }, d.name)))
        : el("input", { name, value: values[name] ?? "" }))),
    el("p", { class: "error", role: "alert" }),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("保存修改", "Save")),
      el("button", { type: "button", class: "secondary", onclick: reload }, t("取消", "Cancel"))));
  edit.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = form(edit);
    if (body.department_id) body.department_id = Number(body.department_id);
    const result = await api("PATCH", url, body);
    if (!result.ok) { showProblem(edit, result, edit.querySelector("p.error")); return; }
    toast(t("已保存", "Saved"), "ok");
    await reload();
  });
  line.replaceChildren(edit);
  edit.elements[fields[0][0]].focus();
}

async function setActive(url, active, name, reload) {
  if (!active && !window.confirm(t(`停用${name}？停用后不再发布新的号源，已发布的号源和预约不变。`,
    `Deactivate ${name}? Nothing new is published for it; published slots and appointments stay.`))) return;
  const result = await api("PATCH", url, { active });
  toast(result.ok ? (active ? t("已启用", "Active again") : t("已停用", "Deactivated"))
    : t("未能保存", "Not saved"), result.ok ? "ok" : "error");
  await reload();
}

const small = (label, onclick, kind = "secondary") =>
  el("button", { type: "button", class: `${kind} small`, onclick }, label);

let departments = [];
async function loadDepartments() {
  departments = (await api("GET", "/api/v1/departments")).data || [];
  $("departments").replaceChildren(...departments.map((d) => {
    const url = `/api/v1/departments/${d.id}`;
    const line = el("li", { "data-department": d.id },
      `${d.name} (${d.code}) `, d.location ? el("span", { class: "muted" }, d.location) : "",
      d.active ? "" : el("span", { class: "pill cancelled" }, t("已停用", "inactive")), " ",
      small(t("编辑", "Edit"), () => editInPlace(line, [["name", t("名称", "Name")],
        ["location", t("位置", "Location")]], d, url, loadDepartments)),
      small(d.active ? t("停用", "Deactivate") : t("启用", "Activate"),
        () => setActive(url, !d.active, d.name, async () => { await loadDepartments(); await loadExperts(); }),
        d.active ? "danger" : "secondary"));
    return line;
  }));
  $("expert-department").replaceChildren(...departments.filter((d) => d.active)
    .map((d) => el("option", { value: d.id }, d.name)));
}

const EXPERT_FIELDS = () => [["name", t("姓名", "Name")], ["title", t("职称", "Title")],
  ["department_id", t("科室", "Department"), "department"], ["fee", t("挂号费", "Fee")],
  ["specialty", t("擅长", "Specialty")], ["bio", t("简介", "Bio"), "textarea"]];

let experts = [];
async function loadExperts() {
  const everyone = (await api("GET", "/api/v1/experts")).data || [];
  experts = everyone.filter((e) => e.active);
  const select = $("week-expert");
  const chosen = select.value;
  select.replaceChildren(...experts.map((e) => el("option", { value: e.id },
    `${e.name} · ${e.department_name}`)));
  if (chosen) select.value = chosen;
  $("experts").replaceChildren(...everyone.map((e) => {
    const url = `/api/v1/experts/${e.id}`;
    const line = el("li", { "data-expert": e.id, tabindex: "-1" },
      el("strong", {}, e.name), ` ${e.title} · ${e.department_name} · ${e.code} `,
      e.active ? "" : el("span", { class: "pill cancelled" }, t("已停用", "inactive")), " ",
      small(t("编辑", "Edit"), () => editInPlace(line, EXPERT_FIELDS(), e, url, loadExperts)),
      small(e.active ? t("停用", "Deactivate") : t("启用", "Activate"),
        () => (e.active ? previewDeactivation(e, line) : setActive(url, true, e.name, loadExperts)),
        e.active ? "danger" : "secondary"));
    return line;
  }));
  showChosenExpert();
}

// After a change made from the expert's line (the line itself rebuilt), the keyboard goes
// back to that line, which now says 已停用, not to the top of the page.
function focusExpert(id) {
  document.querySelector(`#experts li[data-expert="${id}"]`)?.focus();
}

// A required field left empty: said beside the form, marked, and the keyboard put in it.
function missing(node, name, box, message) {
  clearProblem(node, box);
  const input = node.elements[name];
  input.setAttribute("aria-invalid", "true");
  if (box.id) input.setAttribute("aria-describedby", box.id);
  box.textContent = message;
  input.focus();
}

// Who an expert is, as the admin tells two apart: name, title, department.
const who = (e) => `${e.name}${e.title ? ` ${e.title}` : ""}${e.department_name ? ` · ${e.department_name}` : ""}`;
const chosenExpert = () => experts.find((e) => String(e.id) === expertId());

// The leave and extra-session cards say which expert they apply to: the one chosen in the
// week card, easy to miss from below.
function showChosenExpert() {
  const chosen = chosenExpert();
  for (const id of ["leave-expert", "extra-expert"]) {
    $(id).textContent = chosen ? who(chosen) : t("（先在上方选择专家）", "(choose an expert above)");
  }
}

// Who is booked in these slots, asked of booking in chunks (its filter takes 200 ids).
async function bookedIn(ids) {
  const chunks = [];
  for (let n = 0; n < ids.length; n += 50) chunks.push(ids.slice(n, n + 50));
  const answers = await Promise.all(chunks.map((chunk) => api("GET",
    `${services.booking}/api/v1/appointments?status=booked&limit=500&${chunk.map((id) => `slot_id=${id}`).join("&")}`)));
  const failed = answers.find((a) => !a.ok);
  if (failed) return { failed };
  return { people: answers.flatMap((a) => a.data)
    .sort((a, b) => a.start.localeCompare(b.start)) };
}

const noSms = (a) => !a.patient.sms_consent || !a.patient.mobile;
const patientRows = (people) => people.map((a) => el("tr", {},
  el("td", {}, `${a.date} ${hhmm(a.start)}`), el("td", {}, `${a.patient.name} ${a.patient.phone}`),
  el("td", {}, noSms(a) ? el("strong", {}, t("不能，需电话通知", "no: a call is needed")) : t("能", "yes"))));

// Deactivating an expert is 停诊 for every slot of theirs not yet over: first what it
// cancels and who is booked, then the admin confirms with the reason the patients are told.
async function previewDeactivation(expert, line) {
  const url = `/api/v1/experts/${expert.id}`;
  const preview = await api("GET", `${url}/deactivation-preview`);
  if (!preview.ok) { toast(t("未能读取该专家的号源", "Could not read the expert's slots"), "error"); return; }
  const { cancelled, days, places } = preview.data;
  const found = cancelled.length ? await bookedIn(cancelled.map((s) => s.slot_id)) : { people: [] };
  if (found.failed) { toast(t("未能向预约服务查询受影响的患者", "Could not ask booking who is affected"), "error"); return; }
  const people = found.people;
  if (!cancelled.length) {
    if (!window.confirm(t(`停用${who(expert)}？该专家没有未结束的号源，没有患者受影响；停用后不再发布新的号源。`,
      `Deactivate ${who(expert)}? No slot of theirs is still to come and no patient is affected; nothing new is published for them.`))) return;
    const result = await api("PATCH", url, { active: false });
    toast(result.ok ? t(`已停用${expert.name}`, `${expert.name} deactivated`) : t("未能保存", "Not saved"),
      result.ok ? "ok" : "error");
    await loadExperts(); loadTemplates(); loadWeek();
    focusExpert(expert.id);
    return;
  }
  const silent = people.filter(noSms).length;
  const dayList = days.map((d) => `${d.date.slice(5)}（${DAYS[isoWeekday(d.date) - 1]}）${d.sessions.join("、")}`).join("；");
  const panel = el("form", { class: "preview deactivation", novalidate: true, "aria-labelledby": `deactivate-${expert.id}` },
    el("h3", { id: `deactivate-${expert.id}` }, t(`停用 ${who(expert)}`, `Deactivate ${who(expert)}`)),
    el("p", { class: "summary", role: "status" }, t(
      `将取消 ${days.length} 天的 ${cancelled.length} 个号段（共 ${places} 个号位），影响 ${people.length} 位已预约患者（${silent} 位收不到短信，由回访台电话通知）。`,
      `This cancels ${cancelled.length} slots (${places} places) on ${days.length} days and ${people.length} booked patients (${silent} cannot get an SMS; the follow-up desk will call them).`)),
    el("p", { class: "note" }, dayList),
    people.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, t("时段", "Slot")),
      el("th", {}, t("患者", "Patient")), el("th", {}, t("能否收到短信", "Can get an SMS")))),
    el("tbody", {}, ...patientRows(people))) : "",
    el("p", {}, t("确认后：这些号段按停诊取消，患者的预约以“专家停诊”取消，患者收到停诊通知和可改约的号源并进入回访；该专家不再发布新的号源，已结束的号段不变。",
      "Once confirmed: these slots are cancelled as for leave, the appointments are cancelled as “expert unavailable”, the patients are told with places they can move to and reach the follow-up desk; nothing new is published for the expert, and slots already over stay as they were.")),
    el("label", {}, t("停诊原因（告知患者）", "Reason (the patients are told)"), " ",
      el("input", { name: "reason", required: true, maxlength: 400 })),
    el("p", { class: "error", role: "alert", id: `deactivate-error-${expert.id}` }),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "danger" }, t(`确认停用并取消 ${cancelled.length} 个号段`, `Deactivate and cancel ${cancelled.length} slots`)),
      el("button", { type: "button", class: "secondary",
        onclick: async () => { await loadExperts(); focusExpert(expert.id); } }, t("返回", "Back"))));
  panel.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errorBox = panel.querySelector("p.error");
    clearProblem(panel, errorBox);
    const reason = panel.elements.reason.value.trim();
    if (!reason) { missing(panel, "reason", errorBox, t("请填写停诊原因", "Give the reason")); return; }
    const result = await api("POST", `${url}/deactivation`, { reason });
    if (!result.ok) { showProblem(panel, result, errorBox, t("出错了", "Something went wrong")); return; }
    toast(t(`已停用${expert.name}，取消 ${result.data.cancelled_slot_ids.length} 个号段；受影响的患者会收到停诊通知并进入回访`,
      `${expert.name} deactivated; ${result.data.cancelled_slot_ids.length} slots cancelled; the patients are told and reach the follow-up desk`), "ok");
    await loadExperts(); loadTemplates(); loadWeek();
    focusExpert(expert.id);
  });
  line.replaceChildren(panel);
  panel.elements.reason.focus();
}

const expertId = () => $("week-expert").value;
const templatesTurn = newestOnly();
const weekTurn = newestOnly();

async function loadTemplates() {
  if (!expertId()) return;
  const current = templatesTurn();
  const rows = (await api("GET", `/api/v1/experts/${expertId()}/templates`)).data || [];
  if (!current()) return;
  $("templates").replaceChildren(...rows.map((row) => el("tr", {},
    el("td", {}, DAYS[row.weekday - 1]), el("td", {}, `${row.start}–${row.end}`),
    el("td", {}, `${row.slot_minutes} ${t("分钟", "min")}`), el("td", {}, row.capacity_per_slot),
    el("td", {}, `${row.valid_from} → ${row.valid_until || "…"}`),
    el("td", {}, el("button", { class: "danger", type: "button", onclick: async () => {
      if (!window.confirm(t(`删除${DAYS[row.weekday - 1]} ${row.start}–${row.end} 的模板？已发布的日期不受影响。`,
        `Delete the ${DAYS[row.weekday - 1]} ${row.start}–${row.end} template? Published days keep their slots.`))) return;
      await api("DELETE", `/api/v1/experts/${expertId()}/templates/${row.id}`);
      toast(t("模板已删除（已发布的日期不受影响）", "Template removed (published days keep their slots)"));
      loadTemplates();
    } }, t("删除", "Delete"))))));
}

const monday = (day) => addDays(day, 1 - isoWeekday(day));
// The week the page opens on: today's, but on a Saturday or Sunday the coming one, since
// this week is nearly over and what the admin plans (leave, extra sessions) lies ahead.
const openingWeek = (day) => addDays(monday(day), isoWeekday(day) >= 6 ? 7 : 0);

async function loadWeek() {
  if (!expertId() || !$("week-start").value) return;
  const current = weekTurn();
  // Seven days from the date chosen, each headed by its own weekday (any start date).
  const days = [...Array(7).keys()].map((n) => addDays($("week-start").value, n));
  const answers = await Promise.all(days.map((day) =>
    api("GET", `/api/v1/slots?expert_id=${expertId()}&date=${day}&include_cancelled=true`)));
  if (!current()) return;
  $("week").replaceChildren(el("div", { class: "weekgrid" }, ...days.map((day, n) => {
    const slots = answers[n].data || [];
    const isToday = day === today();
    return el("div", { class: isToday ? "day today" : "day", "data-date": day, ...(isToday ? { "aria-current": "date" } : {}) },
      el("h3", {}, `${DAYS[isoWeekday(day) - 1]} ${day.slice(5)}`),
      isToday ? el("span", { class: "pill today" }, t("今天", "today")) : "",
      slots.length ? el("ul", { class: "plain" }, ...slots.map((s) => el("li",
        { class: s.status === "cancelled" ? "cancelled" : "" },
        `${hhmm(s.start)}–${hhmm(s.end)} × ${s.capacity}`,
        s.origin === "extra" ? el("span", { class: "pill over" }, t("加诊", "extra")) : "",
        s.status === "cancelled" ? el("span", { class: "pill cancelled", title: s.cancel_reason || "" },
          t("停诊", "off")) : "")))
        : el("p", { class: "muted" }, t("无", "—")));
  })));
}

// A field refusal that carries a code (the extra session already over) is said beside the
// field in the catalogue's words on the Chinese page; the API's English detail otherwise.
function sayFieldsByCode(result) {
  const data = result.data || {};
  const words = zh && data.code ? (WORDS.refusals || {})[data.code] : "";
  const fields = data.errors?.json;
  if (!words || !fields) return result;
  const told = Object.fromEntries(Object.keys(fields).map((name) => [name, [words]]));
  return { ...result, data: { ...data, errors: { ...data.errors, json: told } } };
}

// `saved` names what was saved, from the answer; "已保存" when not given.
async function submit(node, errorBox, method, url, body, done, saved) {
  clearProblem(node, errorBox);
  const result = await api(method, url, body);
  if (!result.ok) {
    showProblem(node, sayFieldsByCode(result), errorBox, t("出错了", "Something went wrong"));
    return;
  }
  node.reset?.();
  toast(saved ? saved(result) : t("已保存", "Saved"), "ok");
  await done(result);
}

// The extra session saved, as the admin checks it: whose, the day and the hours.
function extraSaved(expert, result) {
  const extra = result.data;
  const weekday = DAYS[isoWeekday(extra.date) - 1];
  const name = expert ? who(expert) : "";
  return t(`已加诊：${name}，${extra.date}（${weekday}）${extra.start}–${extra.end}，${extra.slots.length} 个号段`,
    `Extra session added: ${name}, ${extra.date} (${weekday}) ${extra.start}–${extra.end}, ${extra.slots.length} slots`);
}

const optional = (value) => (value === "" ? null : value);
const services = JSON.parse(document.body.dataset.services || "{}");

// Leave in two steps: first what it would cancel (only slots wholly inside it) and who is
// booked there — those without SMS are named, the follow-up desk will call them — then
// the admin confirms.
let leave = null;  // {expert, body} previewed and not yet confirmed

async function previewLeave(event) {
  event.preventDefault();
  clearProblem($("leave-form"), $("leave-error"));
  const body = form(event.target); body.start = optional(body.start); body.end = optional(body.end);
  const query = new URLSearchParams({ date: body.date || "" });
  if (body.start) query.set("start", body.start);
  if (body.end) query.set("end", body.end);
  if (!body.reason?.trim()) { missing($("leave-form"), "reason", $("leave-error"), t("请填写停诊原因", "Give the reason")); return; }
  const preview = await api("GET", `/api/v1/experts/${expertId()}/leave-preview?${query}`);
  if (!preview.ok) { showProblem($("leave-form"), preview, $("leave-error")); return; }
  $("leave-error").textContent = "";
  const ids = preview.data.cancelled.map((s) => s.slot_id);
  const found = ids.length ? await bookedIn(ids) : { people: [] };
  if (found.failed) { showProblem($("leave-form"), found.failed, $("leave-error")); return; }
  leave = { expert: expertId(), body, whom: `${who(preview.data.expert)}，${leaveWhen(preview.data)}` };
  showLeave(preview.data, found.people);
}

// Whose leave and when, in the admin's words: 王建国 主任医师 · 心内科，12-08（周二）全天.
function leaveWhen(preview) {
  const weekday = DAYS[isoWeekday(preview.date) - 1];
  const day = t(`${preview.date}（${weekday}）`, `${preview.date} (${weekday}) `);
  return day + (preview.start ? `${preview.start}–${preview.end}` : t("全天", "all day"));
}

function showLeave(preview, people) {
  const silent = people.filter(noSms).length;
  const whom = `${who(preview.expert)}，${leaveWhen(preview)}`;
  $("leave-summary").textContent = preview.cancelled.length
    ? t(`${whom}：将取消 ${preview.cancelled.length} 个号段，影响 ${people.length} 位患者（${silent} 位收不到短信，由回访台电话通知）。`,
      `${whom}: this cancels ${preview.cancelled.length} slots and ${people.length} patients (${silent} cannot get an SMS; the follow-up desk will call them).`)
    : t(`${whom}：这段时间内没有可取消的号段。`, `${whom}: no slot lies wholly inside this time.`);
  $("leave-patients").replaceChildren(...patientRows(people));
  $("leave-kept").textContent = preview.kept.length
    ? t(`只部分重叠的 ${preview.kept.length} 个号段保留：${preview.kept.map((s) => hhmm(s.start)).join("、")}`,
      `${preview.kept.length} slots only overlap the leave and are kept: ${preview.kept.map((s) => hhmm(s.start)).join(", ")}`) : "";
  $("leave-confirm").disabled = !preview.cancelled.length;
  $("leave-preview").hidden = false;
}

function wire() {
  $("hospital-form").addEventListener("submit", (e) => { e.preventDefault();
    submit(e.target, $("hospital-error"), "PUT", "/api/v1/hospital", form(e.target), loadHospital); });
  $("department-form").addEventListener("submit", (e) => { e.preventDefault();
    submit(e.target, $("department-error"), "POST", "/api/v1/departments", form(e.target), loadDepartments); });
  $("expert-form").addEventListener("submit", (e) => { e.preventDefault();
    const body = form(e.target); body.department_id = Number(body.department_id);
    if (!body.code) delete body.code;  // the server gives the department's next code
    submit(e.target, $("expert-error"), "POST", "/api/v1/experts", body, loadExperts); });
  $("template-form").addEventListener("submit", (e) => { e.preventDefault();
    const body = form(e.target);
    for (const k of ["weekday", "slot_minutes", "capacity_per_slot"]) body[k] = Number(body[k]);
    body.valid_from = optional(body.valid_from); body.valid_until = optional(body.valid_until);
    submit(e.target, $("template-error"), "POST", `/api/v1/experts/${expertId()}/templates`, body, loadTemplates); });
  $("leave-form").addEventListener("submit", previewLeave);
  $("leave-back").addEventListener("click", () => { leave = null; $("leave-preview").hidden = true; });
  $("leave-confirm").addEventListener("click", () => {
    if (!leave) return;
    const { whom } = leave;
    submit($("leave-form"), $("leave-error"), "POST", `/api/v1/experts/${leave.expert}/leave`, leave.body, async (r) => {
      toast(t(`已停诊（${whom}），取消 ${r.data.cancelled_slot_ids.length} 个号段，受影响的患者会收到通知并进入回访`,
        `Leave recorded (${whom}); ${r.data.cancelled_slot_ids.length} slots cancelled; the patients are told and reach the follow-up desk`), "ok");
      leave = null; $("leave-preview").hidden = true;
      loadWeek(); }); });
  $("extra-form").addEventListener("submit", (e) => { e.preventDefault();
    const body = form(e.target);
    for (const k of ["slot_minutes", "capacity_per_slot"]) body[k] = Number(body[k]);
    const expert = chosenExpert();
    submit(e.target, $("extra-error"), "POST", `/api/v1/experts/${expertId()}/extra-sessions`, body, loadWeek,
      (result) => extraSaved(expert, result)); });
  $("publish").addEventListener("click", async () => {
    const result = await api("POST", "/api/v1/publish", {});
    toast(result.ok ? t(`已发布 ${result.data.slots_created} 个号段`, `Published ${result.data.slots_created} slots`)
      : t("发布失败", "Publishing failed"), result.ok ? "ok" : "error");
    loadWeek(); });
  $("week-expert").addEventListener("change", () => {
    // a preview is for the expert it was made for: another choice closes it
    leave = null; $("leave-preview").hidden = true;
    showChosenExpert(); loadTemplates(); loadWeek(); });
  $("week-start").addEventListener("change", loadWeek);
  for (const [id, step] of [["week-prev", -7], ["week-next", 7]]) {
    $(id).addEventListener("click", () => {
      $("week-start").value = addDays($("week-start").value, step); loadWeek(); });
  }
  $("week-today").addEventListener("click", () => { $("week-start").value = monday(today()); loadWeek(); });
}

// Today at the hospital, as the server's clock has it (the browser's may be off or
// elsewhere); the week opens on its Monday (the next Monday at a weekend).
const today = () => $("week-card").dataset.today || todayAt(document.body.dataset.zone);

wire();
$("week-start").value = openingWeek(today());
await Promise.all([loadHospital(), loadDepartments(), loadExperts()]);
await Promise.all([loadTemplates(), loadWeek()]);
