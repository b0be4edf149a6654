// Patient data for admins: find a patient (by name, appointment code or patient id: an
// admin never searches by phone, SPEC §11), export what every service holds on them,
// erase it; the access log of every service (booking, notify, followup), newest first.
import { api, el, stampAt, toast } from "/static/common/clinic.js";
import { sayCode, WORDS } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const services = JSON.parse(document.body.dataset.services || "{}");
const zone = document.body.dataset.zone || "Asia/Shanghai";
// The access log stores codes and a little fixed English; the page shows them in its
// language from the shared catalogue (services/common/refusal_words.py).
const ACTIONS = WORDS.access_actions || {};
const SERVICE_NAMES = WORDS.access_services || {};
const DETAILS = WORDS.access_details || {};
const word = (text) => (Object.hasOwn(DETAILS, text) ? DETAILS[text] : text);
function detailOf(row) {
  const detail = row.detail || "";
  if (row.action === "erase") return detail; // the reason, as the admin wrote it
  if (Object.hasOwn(DETAILS, detail)) return DETAILS[detail];
  const task = detail.match(/^task (\d+) \((\w+)\)$/);
  if (task) return `${word("task")} ${task[1]}${t("（", " (")}${word(task[2])}${t("）", ")")}`;
  if (row.action === "update_patient") return detail.split(", ").map(word).join(t("、", ", "));
  return detail;
}
let patientId = null;

async function find(event) {
  event.preventDefault();
  const query = new URLSearchParams([...new FormData(event.target)]
    .map(([k, v]) => [k, String(v).trim()]).filter(([, v]) => v));
  if (![...query.keys()].length) {
    $("find-error").textContent = t("请输入姓名、预约码或患者 ID。", "Give a name, an appointment code or a patient id.");
    return;
  }
  const result = await api("GET", `${services.booking}/api/v1/patients?${query}`);
  $("find-error").textContent = result.ok ? "" : sayCode(result.data, t("查找失败", "Search failed"));
  $("found").replaceChildren(...(result.ok ? result.data : []).map((p) => el("tr", {},
    el("td", {}, p.id), el("td", {}, p.name), el("td", {}, p.phone),
    el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => choose(p) },
      t("选择", "Choose"))))));
  if (result.ok && !result.data.length) $("find-error").textContent = t("没有找到。", "Nobody found.");
}

function choose(patient) {
  patientId = patient.id;
  $("patient-id").textContent = `#${patient.id} ${patient.name}`;
  $("patient-card").hidden = false;
  $("log-form").elements.patient_id.value = patient.id;
  loadLog();
}

async function exportAll() {
  const parts = await Promise.all(Object.entries(services).map(async ([name, base]) => {
    const result = await api("GET", `${base}/api/v1/patients/${patientId}/export`);
    return [name, result.ok ? result.data : { error: result.status }];
  }));
  const blob = new Blob([JSON.stringify({ patient_id: patientId,
    exported_at: new Date().toISOString(), services: Object.fromEntries(parts) }, null, 2)],
  { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `patient-${patientId}.json` });
  document.body.append(link); link.click(); link.remove();
  toast(t("已导出", "Exported"), "ok");
  loadLog();
}

async function erase(event) {
  event.preventDefault();
  const reason = event.target.elements.reason.value.trim();
  if (reason.length < 3) { $("erase-error").textContent = t("请写明删除原因。", "Give the reason."); return; }
  if (!window.confirm(t(`删除患者 #${patientId} 的全部个人数据？此操作不能撤销；未来的预约会被取消且不通知。`,
    `Erase every personal detail of patient #${patientId}? This cannot be undone; future appointments are cancelled without a message.`))) return;
  const result = await api("POST", `${services.booking}/api/v1/patients/${patientId}/erase`, { reason });
  if (!result.ok) {  // said in the page's language; the log read again: it shows what happened
    $("erase-error").textContent = sayCode(result.data, t("删除失败", "Not erased"));
    loadLog();
    return;
  }
  $("erase-error").textContent = "";
  toast(t(`已删除；保留 ${result.data.appointments} 条预约记录用于统计`, `Erased; ${result.data.appointments} appointments kept as counts`), "ok");
  $("patient-card").hidden = true;
  loadLog();
}

async function loadLog(event) {
  event?.preventDefault();
  const query = new URLSearchParams([...new FormData($("log-form"))].filter(([, v]) => v));
  const answers = await Promise.all(["booking", "notify", "followup"].filter((s) => services[s])
    .map((s) => api("GET", `${services[s]}/api/v1/access-log?${query}`)));
  const failed = answers.find((a) => !a.ok);
  $("log-error").textContent = failed ? sayCode(failed.data, t("读取失败", "Could not read the log")) : "";
  const rows = answers.filter((a) => a.ok).flatMap((a) => a.data)
    .sort((a, b) => b.at.localeCompare(a.at));
  $("log").replaceChildren(...(rows.length ? rows.map((r) => el("tr", {},
    el("td", {}, stampAt(zone, r.at)), el("td", {}, r.staff),
    el("td", {}, r.patient_id), el("td", {}, ACTIONS[r.action] || r.action), el("td", {}, SERVICE_NAMES[r.service] || r.service),
    el("td", {}, detailOf(r))))
    : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("没有记录。", "No records.")))]));
}

$("find-form").addEventListener("submit", find);
$("export").addEventListener("click", exportAll);
$("erase-form").addEventListener("submit", erase);
$("log-form").addEventListener("submit", loadLog);
loadLog();
