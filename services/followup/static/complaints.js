// Complaints (平息抱怨): record one (about a department or expert chosen from the list),
// follow the open and overdue ones, record the resolution and the closing call; managers
// see the counts by department.
import { api, el, stampAt, toast } from "/static/common/clinic.js";
import { sayCode } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const zone = document.body.dataset.zone || "Asia/Shanghai";
const rules = $("complaint-rules").dataset;
const STATUS = { open: t("处理中", "Open"), resolved: t("已处理，待回电", "Resolved, to call back"),
  closed: t("已结案", "Closed") };
const SOURCE = { call: t("电话", "Call"), chat: t("在线咨询", "Chat"), desk: t("前台", "Desk") };

let directory = [];
let people = []; // the desk's consultants: whom a manager may give a complaint to
let shown = null;

async function loadDirectory() {
  const result = await api("GET", "/api/v1/directory");
  directory = result.ok ? result.data : [];
  if ($("assign-form")) {
    const desk = await api("GET", "/api/v1/colleagues");
    people = desk.ok ? desk.data : [];
  }
  const form = $("complaint-form");
  if (!form) return;
  form.elements.department_id.append(...directory.map((d) => el("option", { value: d.id }, d.name)));
  form.elements.department_id.addEventListener("change", experts);
  if (!form.elements.owner) return; // only consultants give a complaint to a colleague
  const colleagues = await api("GET", "/api/v1/colleagues");
  if (colleagues.ok) form.elements.owner.append(...colleagues.data.map((c) => el("option", { value: c.username }, c.name)));
}

function experts() {
  const select = $("complaint-form").elements.expert_id;
  const department = directory.find((d) => String(d.id) === select.form.elements.department_id.value);
  select.replaceChildren(el("option", { value: "" }, t("不针对某位专家", "No one expert")),
    ...(department?.experts || []).map((e) => el("option", { value: e.id }, e.name)));
}

const about = (c) => [c.department, c.expert].filter(Boolean).join(" · ");

async function load() {
  const result = await api("GET", `/api/v1/complaints?state=${$("state").value}`);
  if (!result.ok) return;
  $("complaints").replaceChildren(...(result.data.length ? result.data.map((c) => el("tr", { "data-complaint": c.id },
    el("td", {}, about(c)), el("td", {}, c.patient.name, el("br"), el("small", { class: "muted" }, c.patient.phone)),
    el("td", {}, c.owner_name), el("td", {}, c.due_on, c.overdue ? el("span", { class: "pill over" }, t("超期", "late")) : null),
    el("td", {}, STATUS[c.status]),
    el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => open(c.id) }, t("查看", "Open")))))
    : [el("tr", {}, el("td", { class: "muted", colspan: 6 }, t("没有", "None")))]));
  if (rules.manager) summary();
}

async function summary() {
  const result = await api("GET", "/api/v1/complaints/by-department");
  if (!result.ok) return;
  $("summary").replaceChildren(...(result.data.length ? result.data.map((r) => el("tr", {},
    el("td", {}, r.department), el("td", {}, r.open), el("td", {}, r.overdue), el("td", {}, r.closed),
    el("td", {}, r.median_hours == null ? "—" : r.median_hours)))
    : [el("tr", {}, el("td", { class: "muted", colspan: 5 }, t("没有", "None")))]));
}

async function open(id) {
  const result = await api("GET", `/api/v1/complaints/${id}`);
  if (!result.ok) { toast(sayCode(result.data, t("无法打开", "Could not open")), "error"); return; }
  show(result.data);
  $("detail-title").focus();
}

function show(c) {
  shown = c;
  $("detail").hidden = false;
  const list = $("detail-facts");
  const pairs = [[t("来源", "From"), SOURCE[c.source]], [t("涉及", "About"), about(c)],
    [t("患者", "Patient"), `${c.patient.name} ${c.patient.phone}`], [t("不满意", "Unhappy about"), c.what],
    [t("诉求", "Wants"), c.wish], [t("负责人", "Owner"), c.owner_name], [t("截止", "Due"), c.due_on],
    [t("状态", "Status"), STATUS[c.status]], [t("处理结果", "Resolution"), c.resolution],
    [t("回电反馈", "Closing call"), c.closing_note],
    [t("记录", "Recorded"), `${c.recorded_by_name} ${stampAt(zone, c.created_at).slice(0, 16)}`]];
  list.replaceChildren(...pairs.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const mine = c.owner === rules.me || rules.manager;
  $("resolve-form").hidden = !(mine && c.status === "open");
  $("close-form").hidden = !(mine && c.status === "resolved");
  const assign = $("assign-form");
  if (assign) {
    assign.hidden = c.status === "closed";
    const choices = [...people, { username: c.owner, name: c.owner_name }]
      .filter((p, i, all) => all.findIndex((q) => q.username === p.username) === i);
    assign.elements.owner.replaceChildren(...choices.map((p) => el("option", { value: p.username }, p.name)));
    assign.elements.owner.value = c.owner;
    assign.elements.due_on.value = c.due_on;
  }
  $("detail-error").textContent = "";
}

async function act(path, body) {
  const result = await api("POST", `/api/v1/complaints/${shown.id}/${path}`, body);
  if (!result.ok) { $("detail-error").textContent = sayCode(result.data, t("未保存", "Not saved")); return; }
  toast(t("已保存", "Saved")); show(result.data); $("detail-title").focus(); load();
}

$("resolve-form").addEventListener("submit", (e) => { e.preventDefault(); act("resolution", { resolution: e.target.elements.resolution.value.trim() }); });
$("close-form").addEventListener("submit", (e) => { e.preventDefault(); act("closing-call", { note: e.target.elements.note.value.trim() }); });
$("assign-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  const result = await api("POST", `/api/v1/complaints/${shown.id}/owner`, { owner: f.owner.value, due_on: f.due_on.value || null });
  if (!result.ok) { $("detail-error").textContent = sayCode(result.data, t("未保存", "Not saved")); return; }
  toast(t("已更改", "Changed")); open(shown.id); load();
});
$("state").addEventListener("change", load);

const form = $("complaint-form");

// The field at fault is marked and described by the form's message, and takes the focus.
function mark(name, message) {
  const input = form.elements[name];
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", "complaint-error");
  $("complaint-error").textContent = message;
  input.focus();
}

function unmark() {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby");
  }
  $("complaint-error").textContent = "";
}

if (form) {
  const task = new URLSearchParams(location.search).get("task");
  if (task) {
    form.elements.task_id.value = task; form.elements.source.value = "call";
    for (const label of form.querySelectorAll("label.patient")) label.hidden = true;
    $("from-task").hidden = false;
    $("from-task").textContent = t("来自回访卡：患者就是这次回访的患者。", "From the call card: the patient is the task's.");
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = { source: f.source.value, what: f.what.value.trim(), wish: f.wish.value.trim(),
      department_id: Number(f.department_id.value) || 0, expert_id: Number(f.expert_id.value) || null,
      owner: f.owner.value || null, due_on: f.due_on.value || null };
    if (f.task_id.value) body.task_id = Number(f.task_id.value);
    else { body.patient_name = f.patient_name.value.trim(); body.phone = f.phone.value.trim(); }
    unmark();
    if (!f.task_id.value && (!body.patient_name || !body.phone)) {
      const missing = { code: "patient_required", detail: "Give the patient's name and phone." };
      mark(body.patient_name ? "phone" : "patient_name", sayCode(missing));
      return;
    }
    const result = await api("POST", "/api/v1/complaints", body);
    if (!result.ok) {
      const said = sayCode(result.data, t("未保存", "Not saved"));
      const field = Object.keys(result.data?.errors?.json || {}).find((name) => f[name]);
      if (field) mark(field, said); else $("complaint-error").textContent = said;
      return;
    }
    toast(t("已记录投诉", "Complaint recorded"));
    form.reset();
    show(result.data); load();
  });
}
await loadDirectory();
await load();
