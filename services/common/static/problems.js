// A refusal from the API, shown in the page's language next to the field it is about.
// Problem documents carry English messages keyed by field (marshmallow's and our rules');
// the Chinese pages translate the ones they can meet, by pattern, and never show a raw
// field key: a message goes next to its field, or — named by the field's label — in the
// form's error box.
const zh = () => document.body.dataset.lang !== "en";

const MESSAGES = [
  [/^Missing data for required field\.$/, () => "必填"],
  [/^Field may not be null\.$/, () => "不能为空"],
  [/^Unknown field\.$/, () => "多余的字段"],
  [/^Not a valid (string|integer|number|boolean)\.$/, () => "格式不对"],
  [/^Not a valid date\.$/, () => "日期格式不对"],
  [/^Not a valid time\.$/, () => "时间格式不对"],
  [/^Not a valid email address\.$|^This is not an email address\.$/, () => "邮箱格式不对"],
  [/^Not a known id\.$/, () => "找不到这一项"],
  [/^Length must be between (\d+) and (\d+)\.$/, (m) => `长度应为 ${m[1]}–${m[2]} 个字符`],
  [/^Shorter than minimum length (\d+)\.$/, (m) => `至少 ${m[1]} 个字符`],
  [/^Longer than maximum length (\d+)\.$/, (m) => `最多 ${m[1]} 个字符`],
  [/^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$/, (m) => `应在 ${m[1]} 到 ${m[2]} 之间`],
  [/^Must be greater than or equal to (\S+)\.$/, (m) => `不能小于 ${m[1]}`],
  [/^Must be one of: (.*)\.$/, (m) => `只能是：${m[1]}`],
  [/^Letters, digits, - and _ only \(1 to 40\)\.$/, () => "只能用字母、数字、- 和 _（1 到 40 个）"],
  [/^Letters, digits, \. - and _ only \(2 to 60\)\.$/, () => "只能用字母、数字、.、- 和 _（2 到 60 个）"],
  [/^Give a date between 2000-01-01 and 2100-12-31\.$/, () => "日期应在 2000 年到 2100 年之间"],
  [/^Give a date of birth from 1900-01-01 up to today\.$/, () => "出生日期应在 1900-01-01 到今天之间"],
  [/^The fee is between 0 and 100000\.$/, () => "挂号费应在 0 到 100000 之间"],
  [/^The date is in the past\.$/, () => "日期已经过去"],
  [/^Give both start and end, or neither for the whole day\.$/, () => "开始和结束都填，或都不填（整天）"],
  [/^Leave must end after it starts\.$|^The session must end after it starts\.$/, () => "结束时间应晚于开始时间"],
  [/^Overlaps a session the expert already has that day\.$/, () => "与这位专家当天已有的出诊时间重叠"],
  [/^valid_until is before valid_from\.$/, () => "截止日期早于生效日期"],
  [/^Weekday is 1 \(Monday\) to 7 \(Sunday\)\.$/, () => "星期应为 1（周一）到 7（周日）"],
  [/^The patient's name is needed\.$|^The name is needed\.$/, () => "请填写姓名"],
  [/^This is not a phone number\.$/, () => "这不是电话号码"],
  [/^This phone number does not exist; check the digits\.$/, () => "这个号码不存在，请核对"],
  [/^Email consent needs an email address\.$/, () => "同意邮件通知需要填写邮箱"],
  [/^A password needs at least (\d+) characters\.$/, (m) => `密码至少 ${m[1]} 个字符`],
  [/^Publishing starts today or later\.$/, () => "只能从今天或以后开始发布"],
  [/^'to' is before 'from'\.$/, () => "结束日期早于开始日期"],
  [/^(Ask for )?[Aa]t most a year at a time\.$/, () => "最多一年"],
  [/already exists|is taken|in use/i, () => "已经存在"],
];

// The page's words (services/common/refusal_words.py, rendered by base.html in the page's
// language): refusals by code, access-log actions and details.
export const WORDS = (() => {
  try { return JSON.parse(document.getElementById("clinic-words")?.textContent || "{}"); } catch { return {}; }
})();
const REFUSALS = WORDS.refusals || {};

// A refusal in the page's language: on Chinese pages the catalogue's words for its code,
// else the detail through MESSAGES; on English pages the API's detail, which may say more
// (a time, a count), else the catalogue's words.
export function sayCode(data, fallback = "") {
  const known = data?.code && Object.hasOwn(REFUSALS, data.code) ? REFUSALS[data.code] : "";
  if (zh() && known) return known;
  return say(data?.detail) || known || fallback;
}

export function say(message) {
  if (!zh() || typeof message !== "string") return message;
  for (const [pattern, turn] of MESSAGES) {
    const found = message.match(pattern);
    if (found) return turn(found);
  }
  return message;
}

function labelOf(input, name) {
  const label = input?.closest("label") || (input?.id && document.querySelector(`label[for="${input.id}"]`));
  const text = label ? [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent.trim()).join(" ").trim() : "";
  return text || name;
}

function slotFor(form, name, input) {
  let box = form.querySelector(`.error[data-for="${name}"]`);
  if (!box && input) {
    box = document.createElement("span");
    box.className = "error";
    box.dataset.for = name;
    (input.closest("label") || input.parentElement).append(box);
  }
  return box;
}

// Clears what an earlier refusal marked on the form.
export function clearProblem(form, box) {
  for (const mark of form.querySelectorAll('[aria-invalid="true"]')) mark.setAttribute("aria-invalid", "false");
  for (const old of form.querySelectorAll(".error[data-for]")) old.textContent = "";
  if (box) box.textContent = "";
}

// Marks each field the refusal names and puts the rest in `box`; `told` gives a page's own
// words for a refusal code. True if anything is shown.
export function showProblem(form, result, box, fallback, told = {}) {
  clearProblem(form, box);
  const data = result.data || {};
  const json = data.errors?.json || data.errors?.query || {};
  const fields = { ...json, ...(typeof json.patient === "object" && !Array.isArray(json.patient) ? json.patient : {}) };
  delete fields.patient;
  const loose = [];
  for (const [name, messages] of Object.entries(fields)) {
    const text = [].concat(messages).flatMap((m) => (typeof m === "string" ? [say(m)] : [])).join(" ");
    const input = form.elements[name];
    const slot = input ? slotFor(form, name, input) : null;
    if (input && slot) {
      input.setAttribute("aria-invalid", "true");
      slot.textContent = text;
    } else {
      loose.push(`${labelOf(input, name)}：${text}`);
    }
  }
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
  if (box) box.textContent = loose.join("；") || (Object.keys(fields).length ? ""
    : told[data.code] || sayCode(data, fallback));
  return Boolean(Object.keys(fields).length || data.detail);
}
