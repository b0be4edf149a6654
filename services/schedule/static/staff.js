// The admin's staff accounts: create, change roles, set a new password, deactivate.
import { api, el, toast } from "/static/common/clinic.js";
import { clearProblem, showProblem } from "/static/common/problems.js";

const zh = document.body.dataset.lang !== "en";
const t = (cn, en) => (zh ? cn : en);
const $ = (id) => document.getElementById(id);
const ROLES = { consultant: t("咨询员", "Consultant"), frontdesk: t("前台", "Front desk"),
  manager: t("主管", "Manager"), admin: t("系统管理员", "Administrator"),
  integration: t("对接系统", "Hospital system") };
const small = (label, onclick, kind = "secondary") =>
  el("button", { type: "button", class: `${kind} small`, onclick }, label);

function roleBoxes(chosen) {
  return el("fieldset", { class: "roles" }, el("legend", {}, t("角色", "Roles")),
    ...Object.entries(ROLES).map(([code, label]) => el("label", { class: "check" },
      el("input", { type: "checkbox", name: "roles", value: code, checked: chosen.includes(code) }), ` ${label}`)));
}

const rolesOf = (form) => [...form.querySelectorAll('input[name="roles"]:checked')].map((b) => b.value);

// One action at a time opens under the member's row: new roles, or a new password.
function openBelow(row, content) {
  row.parentElement.querySelector("tr.editing")?.remove();
  const below = el("tr", { class: "editing" }, el("td", { colspan: 5 }, content));
  row.after(below);
  below.querySelector("input")?.focus();
  return below;
}

function changeRoles(row, member) {
  const form = el("form", { class: "row", novalidate: true }, roleBoxes(member.roles),
    el("button", { type: "submit", class: "primary" }, t("保存角色", "Save roles")),
    small(t("取消", "Cancel"), () => form.closest("tr").remove()), el("p", { class: "error", role: "alert" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const roles = rolesOf(form);
    if (!roles.length) { form.querySelector("p.error").textContent = t("至少选一个角色", "Choose a role at least"); return; }
    const result = await api("PATCH", `/api/v1/staff/${encodeURIComponent(member.username)}`, { roles });
    if (!result.ok) { showProblem(form, result, form.querySelector("p.error")); return; }
    toast(t(`已更新 ${member.username} 的角色`, `Roles of ${member.username} saved`), "ok");
    load();
  });
  openBelow(row, form);
}

function resetPassword(row, member) {
  const form = el("form", { class: "row", novalidate: true },
    el("label", {}, t("新密码", "New password"), " ", el("input", { name: "password", type: "password", autocomplete: "new-password" })),
    el("button", { type: "submit", class: "primary" }, t("设置", "Set")),
    small(t("取消", "Cancel"), () => form.closest("tr").remove()), el("p", { class: "error", role: "alert" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", `/api/v1/staff/${encodeURIComponent(member.username)}/password`,
      { password: form.elements.password.value });
    if (!result.ok) { showProblem(form, result, form.querySelector("p.error")); return; }
    toast(t(`已为 ${member.username} 设置新密码`, `New password set for ${member.username}`), "ok");
    form.closest("tr").remove();
  });
  openBelow(row, form);
}

async function setActive(member, active) {
  if (!active && !window.confirm(t(`停用 ${member.username}？该员工将立即退出登录，不能再登录。`,
    `Deactivate ${member.username}? They are signed out at once and cannot sign in again.`))) return;
  const result = await api("PATCH", `/api/v1/staff/${encodeURIComponent(member.username)}`, { active });
  toast(result.ok ? (active ? t("已启用", "Active again") : t("已停用", "Deactivated")) : t("未能保存", "Not saved"),
    result.ok ? "ok" : "error");
  load();
}

async function load() {
  const result = await api("GET", "/api/v1/staff");
  const rows = result.ok ? result.data : [];
  $("staff").replaceChildren(...rows.map((member) => {
    const row = el("tr", { "data-username": member.username },
      el("td", {}, member.username), el("td", {}, member.name),
      el("td", {}, member.roles.map((r) => ROLES[r] || r).join(t("、", ", "))),
      el("td", {}, el("span", { class: `pill ${member.active ? "checked_in" : "cancelled"}` },
        member.active ? t("在用", "active") : t("已停用", "inactive"))),
      el("td", {}));
    row.lastChild.append(el("div", { class: "actions" },
      small(t("角色", "Roles"), () => changeRoles(row, member)),
      small(t("重设密码", "Reset password"), () => resetPassword(row, member)),
      small(member.active ? t("停用", "Deactivate") : t("启用", "Activate"),
        () => setActive(member, !member.active), member.active ? "danger" : "secondary")));
    return row;
  }));
}

$("new-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target, f = form.elements;
  clearProblem(form, $("new-error"));
  const body = { username: f.username.value.trim(), name: f.name.value.trim(), roles: rolesOf(form),
    password: f.password.value };
  if (!body.roles.length) { $("new-error").textContent = t("至少选一个角色", "Choose a role at least"); return; }
  const result = await api("POST", "/api/v1/staff", body);
  if (!result.ok) {
    showProblem(form, result, $("new-error"), t("未能创建", "Not created"));
    if (result.status === 409) $("new-error").textContent = t("这个用户名已被使用", "That username is taken");
    return;
  }
  form.reset();
  toast(t(`已创建 ${body.username}`, `${body.username} created`), "ok");
  load();
});

load();
