// The manager's counts: a table for a range of days, grouped as chosen.
import { api, el } from "/static/common/clinic.js";
const form = document.getElementById("stats-form");
async function load(event) {
  event?.preventDefault();
  const q = new URLSearchParams(new FormData(form));
  const result = await api("GET", `/api/v1/stats?${q}`);
  document.getElementById("stats").replaceChildren(...(result.data || []).map((r) => el("tr", {},
    el("td", {}, r.name), el("td", {}, r.booked), el("td", {}, r.cancelled), el("td", {}, r.arrived),
    el("td", {}, r.no_show), el("td", {}, r.arrival_rate === null ? "—" : `${Math.round(r.arrival_rate * 100)}%`))));
}
form.addEventListener("submit", load);
load();
