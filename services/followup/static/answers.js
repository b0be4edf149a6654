// The shared answers page: the desk searches and copies; an admin adds, rewrites (which
// marks the answer reviewed today) and retires.
import { api, el, toast } from "/static/common/clinic.js";
import { sayCode } from "/static/common/problems.js";
import { TOPICS, mountSearch } from "/static/followup/answer_search.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);

for (const option of document.querySelectorAll("#answer-topic option[value], #answer-form select option")) {
  if (option.value) option.textContent = TOPICS[option.value] || option.value;
}

const form = $("answer-form");
function edit(answer) {
  const f = form.elements;
  f.id.value = answer?.id || ""; f.topic.value = answer?.topic || "fees";
  f.question.value = answer?.question || ""; f.answer.value = answer?.answer || "";
  $("answer-retire").hidden = !answer; $("answer-error").textContent = "";
  f.question.focus();
}
const editButton = form ? (answer) => el("button", { type: "button", class: "secondary", onclick: () => edit(answer) }, t("修改", "Edit")) : null;
const refresh = mountSearch($("answer-q"), $("answers"), { extra: editButton, topic: $("answer-topic") });

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = { topic: f.topic.value, question: f.question.value.trim(), answer: f.answer.value.trim() };
    const result = await api(f.id.value ? "PUT" : "POST", f.id.value ? `/api/v1/answers/${f.id.value}` : "/api/v1/answers", body);
    if (!result.ok) { $("answer-error").textContent = sayCode(result.data, t("未保存", "Not saved")); return; }
    toast(t("已保存", "Saved")); edit(null); refresh();
  });
  $("answer-new").addEventListener("click", () => edit(null));
  $("answer-retire").addEventListener("click", async () => {
    const id = form.elements.id.value;
    if (!id || !window.confirm(t("停用这条回答？", "Retire this answer?"))) return;
    const result = await api("DELETE", `/api/v1/answers/${id}`);
    if (result.ok) { toast(t("已停用", "Retired")); edit(null); refresh(); }
  });
}
refresh();
