// The manager's counts: a table for a range of days, grouped as chosen, with a total.
import { api, el } from "/static/common/clinic.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const form = $("stats-form");
const CHANNELS = { chat: t("在线咨询", "Online chat"), phone: t("电话", "Phone"), wechat: t("微信", "WeChat"),
  qq: "QQ", other: t("其他", "Other"), walk_in: t("现场", "Walk-in") };
const rate = (r) => (r.arrival_rate === null ? "—" : `${Math.round(r.arrival_rate * 100)}%`);

function row(r, by, total = false) {
  const name = by === "channel" ? (CHANNELS[r.group] || r.group) : (r.name || r.group);
  return el("tr", { class: total ? "total" : "" }, el(total ? "th" : "td", {}, name),
    el("td", {}, r.booked), el("td", {}, r.cancelled), el("td", {}, r.arrived),
    el("td", {}, r.no_show), el("td", {}, rate(r)));
}

function totals(rows) {
  const sum = (key) => rows.reduce((n, r) => n + r[key], 0);
  const decided = sum("arrived") + sum("no_show");
  return { group: "", name: t("合计", "Total"), booked: sum("booked"), cancelled: sum("cancelled"),
    arrived: sum("arrived"), no_show: sum("no_show"), arrival_rate: decided ? sum("arrived") / decided : null };
}

async function load(event) {
  event?.preventDefault();
  const q = new URLSearchParams(new FormData(form));
  $("stats-error").textContent = "";
  if (q.get("from") && q.get("to") && q.get("to") < q.get("from")) {
    $("stats").replaceChildren();
    $("stats-error").textContent = t("结束日期早于开始日期。", "The end date is before the start date.");
    return;
  }
  const result = await api("GET", `/api/v1/stats?${q}`);
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
    : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("这段时间没有预约。", "No appointments in these days.")))]));
}

form.addEventListener("submit", load);
load();
