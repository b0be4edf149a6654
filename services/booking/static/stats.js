// The manager's counts: a table for a range of days, grouped as chosen, with a total;
// the days as a trend chart, and the follow-up desk's enquiry funnel, both drawn here as
// SVG (no library, nothing fetched from elsewhere).
import { api, el, newestOnly } from "/static/common/clinic.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const services = JSON.parse(document.body.dataset.services || "{}");
const form = $("stats-form");
// A second 查看 before the first answer is in: only the newest range may paint the page.
const statsTurn = newestOnly();
const CHANNELS = { chat: t("在线咨询", "Online chat"), phone: t("电话", "Phone"), wechat: t("微信", "WeChat"),
  qq: "QQ", other: t("其他", "Other"), walk_in: t("现场", "Walk-in"),
  fhir: t("对接系统", "Hospital system") };
const SERIES = [["booked", t("预约", "Booked"), "#1a56c4"], ["arrived", t("到诊", "Arrived"), "#137333"],
  ["no_show", t("爽约", "No-show"), "#b06000"], ["cancelled", t("取消", "Cancelled"), "#a50e0e"]];
const percent = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

function row(r, by, total = false) {
  const name = by === "channel" ? (CHANNELS[r.group] || r.group) : (r.name || r.group);
  return el("tr", { class: total ? "total" : "" }, el(total ? "th" : "td", {}, name),
    el("td", {}, r.booked), el("td", {}, r.cancelled), el("td", {}, r.arrived),
    el("td", {}, r.no_show), el("td", {}, percent(r.arrival_rate)), el("td", {}, percent(r.utilisation)));
}

function totals(rows) {
  const sum = (key) => rows.reduce((n, r) => n + (r[key] || 0), 0);
  const decided = sum("arrived") + sum("no_show");
  const capacity = rows.every((r) => r.capacity) ? sum("capacity") : null;
  return { group: "", name: t("合计", "Total"), booked: sum("booked"), cancelled: sum("cancelled"),
    arrived: sum("arrived"), no_show: sum("no_show"), arrival_rate: decided ? sum("arrived") / decided : null,
    utilisation: capacity ? sum("booked") / capacity : null };
}

const svg = (tag, attrs = {}, ...children) => {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
};

// A chart drawn as wide as its card (720 at most), so its labels keep their size on a
// phone instead of shrinking with a scaled-down drawing.
const chartWidth = (id, least) => Math.max(least, Math.min(720, Math.round($(id).clientWidth) || 720));

// Lines for each count by day; a table of the same numbers follows for screen readers.
function trend(days) {
  // P keeps each day's side-by-side dots (and its date) off the axis numbers and inside
  // the right edge.
  const W = chartWidth("trend", 320);
  const H = 220, L = 36, B = 28, T = 10, P = 20;
  const top = Math.max(1, ...days.flatMap((d) => SERIES.map(([k]) => d[k])));
  const x = (i) => L + P + (days.length === 1 ? (W - L - 2 * P) / 2 : (i * (W - L - 2 * P)) / (days.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": t("每日预约、到诊、爽约、取消", "Booked, arrived, no-show and cancelled by day") });
  for (const v of [0, Math.round(top / 2), top]) {
    chart.append(svg("line", { x1: L, x2: W, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, String(v)));
  }
  const step = Math.max(1, Math.ceil(days.length / Math.floor(W / 60)));
  days.forEach((d, i) => {
    if (i % step === 0) chart.append(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, d.date.slice(5)));
  });
  // Each series a little to the side of the day (booked left … cancelled right), so
  // equal counts — 到诊 and 爽约 both 0, say — show every dot, none behind another; the
  // lines first, then the dots over them.
  const side = (k) => (k - (SERIES.length - 1) / 2) * 7;
  SERIES.forEach(([key, , colour], k) => {
    chart.append(svg("polyline", { fill: "none", stroke: colour, "stroke-width": 2,
      points: days.map((d, i) => `${x(i) + side(k)},${y(d[key])}`).join(" "), "data-series": key }));
  });
  if (days.length <= 31) {  // a dot a day: one day alone is a point, not a line
    SERIES.forEach(([key, label, colour], k) => {
      for (const [i, d] of days.entries()) {
        chart.append(svg("circle", { cx: x(i) + side(k), cy: y(d[key]), r: 3, fill: colour,
          "data-series": key, "data-date": d.date }, svg("title", {}, `${d.date} ${label} ${d[key]}`)));
      }
    });
  }
  // Colours as SVG attributes: the pages' Content-Security-Policy allows no inline style.
  const legend = el("figcaption", { class: "legend" }, ...SERIES.map(([, label, colour]) =>
    el("span", {}, svg("svg", { viewBox: "0 0 10 10", "aria-hidden": "true" },
      svg("rect", { width: 10, height: 10, rx: 2, fill: colour })), label)));
  const table = el("table", { class: "sr" }, el("tr", {}, el("th", {}, t("日期", "Date")),
    ...SERIES.map(([, label]) => el("th", {}, label))),
  ...days.map((d) => el("tr", {}, el("td", {}, d.date), ...SERIES.map(([k]) => el("td", {}, d[k])))));
  $("trend").replaceChildren(chart, legend, table);
}

// Enquiries → converted to bookings → arrived, as bars (the follow-up desk's numbers for the same days),
// what the calls came to, and the same split by consultant.
// The call outcome "booked" is 约成 (a call that booked), the enquiry step 转为预约
// (enquiries converted to bookings): never the same word, as on the worklist.
const OUTCOMES = [["booked", t("约成", "Booked on the call")], ["call_back", t("约定回电", "Call back")],
  ["no_answer", t("无人接听", "No answer")], ["busy", t("占线", "Busy")], ["switched_off", t("关机", "Switched off")],
  ["declined", t("不需要", "Declined")], ["wrong_number", t("号码错误", "Wrong number")],
  ["do_not_call", t("勿再来电", "Do not call")], ["dropped", t("通话中断", "Call dropped")],
  ["answered", t("满意度已回答", "Satisfaction answered")], ["refused", t("满意度不愿回答", "Satisfaction refused")]];
// Every call made, whatever it came to: the funnel's own count when it gives one.
const callsMade = (calls, made) => made ?? OUTCOMES.reduce((n, [key]) => n + ((calls || {})[key] || 0), 0);
// What a person who declined said (SPEC §15); the hospital's own objections by their code.
const OBJECTIONS = { price: t("价格", "Price"), distance: t("路远", "Distance"), time: t("没时间", "No time"),
  treated_elsewhere: t("已在别处就诊", "Treated elsewhere"), wants_to_think: t("想再考虑", "Wants to think"),
  family_decides: t("需家人决定", "Family decides"), distrust: t("不信任", "Distrust"), other: t("其他", "Other") };
const objectionsSaid = (counts) => Object.entries(counts || {}).filter(([, n]) => n)
  .map(([code, n]) => `${OBJECTIONS[code] || code} ${n}`).join(t("，", ", ")) || "—";
const length = (seconds) => (seconds === null || seconds === undefined ? "—"
  : `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, "0")}`);
const callsSaid = (calls) => OUTCOMES.filter(([key]) => (calls || {})[key])
  .map(([key, label]) => `${label} ${calls[key]}`).join(t("，", ", ")) || "—";

function funnel(answer) {
  const total = answer.total;
  const steps = [[t("咨询", "Enquiries"), total.enquiries], [t("转为预约", "Converted"), total.converted],
    [t("到诊", "Arrived"), total.arrived]];
  const most = Math.max(1, ...steps.map(([, n]) => n));
  const W = chartWidth("funnel", 300), row = 34, L = 90, R = 50;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${row * steps.length}`, role: "img",
    "aria-label": steps.map(([label, n]) => `${label} ${n}`).join(t("，", ", ")) });
  steps.forEach(([label, n], i) => {
    const width = Math.max(2, ((W - L - R) * n) / most);
    chart.append(svg("text", { x: 0, y: i * row + 21 }, label),
      svg("rect", { x: L, y: i * row + 6, width, height: 22, rx: 4, fill: "#0b6e69", "data-step": i }),
      svg("text", { x: L + width + 8, y: i * row + 21 }, String(n)));
  });
  $("funnel").replaceChildren(chart, el("figcaption", { class: "muted" }, t(`转化率 ${percent(total.conversion_rate)}，到诊率 ${percent(total.arrival_rate)}`,
    `Conversion ${percent(total.conversion_rate)}, arrival ${percent(total.arrival_rate)}`)));
  $("funnel-calls").textContent = t(`回访拨打 ${callsMade(total.calls, total.calls_made)} 次：${callsSaid(total.calls)}；通话时长中位数 ${length(total.median_seconds)}（${total.timed_calls ?? 0} 次计时）；顾虑：${objectionsSaid(total.objections)}`,
    `${callsMade(total.calls, total.calls_made)} follow-up calls: ${callsSaid(total.calls)}; median call ${length(total.median_seconds)} (${total.timed_calls ?? 0} timed); objections: ${objectionsSaid(total.objections)}`);
  const line = (r, head = false) => el("tr", { class: head ? "total" : "" }, el(head ? "th" : "td", {}, r.name || r.group),
    el("td", {}, r.enquiries), el("td", {}, r.converted), el("td", {}, r.arrived),
    el("td", {}, percent(r.conversion_rate)), el("td", {}, percent(r.arrival_rate)),
    el("td", {}, callsMade(r.calls, r.calls_made)), el("td", {}, length(r.median_seconds)),
    el("td", { class: "prose" }, callsSaid(r.calls)), el("td", { class: "prose" }, objectionsSaid(r.objections)));
  const heads = [t("咨询员", "Consultant"), t("咨询", "Enquiries"), t("转为预约", "Converted"), t("到诊", "Arrived"),
    t("转化率", "Conversion"), t("到诊率", "Arrival"), t("拨打", "Calls"), t("通话中位数", "Median call"),
    t("拨打结果", "What the calls came to"), t("顾虑", "Objections")];
  $("funnel-split").replaceChildren(el("h3", { id: "funnel-people-title" }, t("按咨询员", "By consultant")),
    el("div", { class: "scroll-x" }, el("table", { "aria-labelledby": "funnel-people-title" },
      el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
      el("tbody", { id: "funnel-people" }, ...(answer.rows.length
        ? [...answer.rows.map((r) => line(r)), line({ ...total, name: t("合计", "Total") }, true)]
        : [el("tr", {}, el("td", { colspan: 10, class: "muted" }, t("这段时间没有咨询和回访。", "No enquiries or calls in these days.")))])))),
    el("p", { class: "muted" }, t("转为预约 = 记录的咨询中后来预约了的；约成 = 以预约结束的回访拨打。咨询按记录人统计，拨打按打电话的人统计；合计的拨打含这段时间内的全部回访拨打。",
      "Converted = enquiries that were booked since; booked on the call = follow-up calls that ended in a booking. Enquiries count for who recorded them, calls for who made them; the total counts every follow-up call in these days.")));
}

// Satisfaction call-backs by expert and department: every average with the count behind
// it ("4.2 (n=3)"), and a group of fewer than five answers marked as a small sample.
const QUESTIONS = [["explanation", t("讲解清楚", "Explanation")], ["waiting", t("候诊时间", "Waiting")],
  ["overall", t("总体", "Overall")]];
function satisfactionTable(id, title, rows) {
  const score = (r, q) => (r.averages[q] === null ? "—" : `${r.averages[q].toFixed(1)} (n=${r.n})`);
  const line = (r) => el("tr", { class: r.small ? "small-sample" : "" }, el("td", {}, r.name || "—"),
    ...QUESTIONS.map(([q]) => el("td", {}, score(r, q))), el("td", {}, r.n), el("td", {}, r.refused),
    el("td", {}, r.unreached), el("td", { class: "muted" }, r.small ? t("样本少", "small sample") : ""));
  const heads = [title, ...QUESTIONS.map(([, label]) => label), t("已回答", "Answered"), t("不愿回答", "Declined to answer"),
    t("未接通", "Unreached"), ""];
  return [el("h3", { id }, title), el("div", { class: "scroll-x" }, el("table", { "aria-labelledby": id },
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...(rows.length ? rows.map(line)
      : [el("tr", {}, el("td", { colspan: 8, class: "muted" }, t("这段时间没有满意度回访。", "No satisfaction calls in these days.")))]))))];
}

async function satisfaction(q, current) {
  const found = await api("GET", `${services.followup}/api/v1/satisfaction?${new URLSearchParams({ from: q.get("from"), to: q.get("to") })}`);
  if (!current()) return;
  $("satisfaction").replaceChildren(...(found.ok
    ? [...satisfactionTable("satisfaction-experts", t("专家", "Expert"), found.data.by_expert),
      ...satisfactionTable("satisfaction-departments", t("科室", "Department"), found.data.by_department)]
    : [el("p", { class: "muted" }, t("满意度数据暂时无法读取。", "The satisfaction figures cannot be read now."))]));
}

async function charts(q, current) {
  const days = await api("GET", `/api/v1/stats/daily?${new URLSearchParams({ from: q.get("from"), to: q.get("to"), basis: q.get("basis") })}`);
  if (!current()) return;
  if (days.ok) trend(days.data);
  if (!services.followup) return;
  satisfaction(q, current);
  const found = await api("GET", `${services.followup}/api/v1/funnel?${new URLSearchParams({ from: q.get("from"), to: q.get("to"), by: "consultant" })}`);
  if (!current()) return;
  if (found.ok) funnel(found.data);
  else {
    $("funnel").replaceChildren(el("p", { class: "muted" }, t("回访数据暂时无法读取。", "The follow-up figures cannot be read now.")));
    $("funnel-calls").textContent = "";
    $("funnel-split").replaceChildren();
  }
}

async function load(event) {
  event?.preventDefault();
  const q = new URLSearchParams(new FormData(form));
  const current = statsTurn();
  $("stats-error").textContent = "";
  if (q.get("from") && q.get("to") && q.get("to") < q.get("from")) {
    // Nothing of the range before may stay on screen as if it were this one's, and the
    // CSV link would only fetch the same refusal.
    for (const id of ["stats", "trend", "funnel", "funnel-split", "satisfaction"]) $(id).replaceChildren();
    $("funnel-calls").textContent = "";
    $("csv").removeAttribute("href");
    $("csv").setAttribute("aria-disabled", "true");
    $("stats-error").textContent = t("结束日期早于开始日期。", "The end date is before the start date.");
    return;
  }
  $("csv").href = `/api/v1/stats.csv?${q}`;
  $("csv").removeAttribute("aria-disabled");
  const result = await api("GET", `/api/v1/stats?${q}`);
  if (!current()) return;
  if (!result.ok || !Array.isArray(result.data)) {
    $("stats").replaceChildren();
    $("stats-error").textContent = result.status === 422
      ? t("日期范围不对（最多一年）。", "That date range cannot be shown (a year at most).")
      : t("统计未能加载。", "The statistics could not be loaded.");
    return;
  }
  const by = q.get("by");
  const rows = result.data;
  $("stats").replaceChildren(...(rows.length ? [...rows.map((r) => row(r, by)), row(totals(rows), by, true)]
    : [el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("这段时间没有预约。", "No appointments in these days.")))]));
  charts(q, current);
}

form.addEventListener("submit", load);
load();
