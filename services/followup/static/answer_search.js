// The shared answers (统一回答口径) as the desk searches them: type, read, one click to copy
// the hospital's words into the chat. Used on the answers page and on the call card.
import { api, el, toast } from "/static/common/clinic.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);

export const TOPICS = { fees: t("费用", "Fees"), insurance: t("医保", "Insurance (医保)"),
  route: t("路线", "Route"), parking: t("停车", "Parking"), preparing: t("就诊准备", "Preparing for a visit"),
  online_limits: t("网上不能回答的", "Not answered online"), other: t("其他", "Other") };

// Copy ``text``: the clipboard API where the page may use it, else a hidden text area.
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { class: "sr" }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast(t("已复制，可以粘贴到对话中", "Copied: paste it into the chat"));
}

export function answerItem(answer, extra = null) {
  const due = answer.due_for_review
    ? el("span", { class: "pill over" }, t("需复核", "Due for review")) : null;
  return el("li", { class: "answer", "data-answer": answer.id },
    el("p", {}, el("span", { class: "pill" }, TOPICS[answer.topic] || answer.topic), " ",
      el("strong", {}, answer.question)),
    el("p", { class: "answer-text" }, answer.answer),
    el("p", { class: "row" },
      el("button", { type: "button", class: "secondary", onclick: () => copy(answer.answer) }, t("复制", "Copy")),
      el("small", { class: "muted" }, `${t("最近复核", "Last reviewed")} ${answer.reviewed_on}`), " ", due, extra));
}

// A search box over ``list``; the newest answer only (typing fast sends many).
export function mountSearch(input, list, { extra = null, topic = null } = {}) {
  let asked = 0;
  async function run() {
    const number = ++asked;
    const query = new URLSearchParams({ q: input.value.trim() });
    if (topic?.value) query.set("topic", topic.value);
    const result = await api("GET", `/api/v1/answers?${query}`);
    if (number !== asked || !result.ok) return;
    // Nothing searched and nothing found: there are no answers yet, not a bad word.
    const searched = query.get("q") || query.get("topic");
    const none = searched ? t("没有找到，请换个词", "Nothing found; try another word")
      : t("还没有统一回答口径", "No shared answers yet");
    list.replaceChildren(...(result.data.length ? result.data.map((a) => answerItem(a, extra?.(a)))
      : [el("li", { class: "muted" }, none)]));
  }
  input.addEventListener("input", run);
  topic?.addEventListener("change", run);
  return run;
}
