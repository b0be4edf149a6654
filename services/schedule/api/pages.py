"""Schedule's pages: sign-in and sign-out for every service, and the admin pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from services.common.auth import SESSION_COOKIE, csrf_ok, signed_in
from services.common.pages import page, page_principal
from services.common.refusals import Throttled
from services.common.tokens import INTEGRATION, AuthError, issue_token
from services.common.unit_of_work import unit_of_work
from services.common.web import reading

from ..config import runtime
from ..ops.sign_in import sign_in
from ..ops.sign_out import sign_out

pages = Blueprint("schedule_pages", __name__, template_folder="../templates",
                  static_folder="../static", static_url_path="/static/schedule")

HOMES = (("admin", "schedule", "/admin"), ("frontdesk", "booking", "/roster"),
         ("consultant", "booking", "/console"), ("manager", "booking", "/stats"))


def home_for(roles: tuple[str, ...]) -> str:
    settings = runtime().settings
    for role, service, path in HOMES:
        if role in roles:
            return getattr(settings, f"{service}_url") + path
    return settings.schedule_url + "/login"


def safe_next(target: str | None) -> str | None:
    """Only our own services' pages: the login page must not send anyone elsewhere."""
    if not target:
        return None
    settings = runtime().settings
    ours = {urlparse(u).netloc for u in settings.service_urls()}
    parsed = urlparse(target)
    if parsed.scheme in ("http", "https") and parsed.netloc in ours:
        return target
    return None


@pages.get("/")
def home() -> Response:
    principal = page_principal()
    return redirect(home_for(principal.roles) if principal else "/login")


@pages.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next_url=next_url or "", error=None)
    if not csrf_ok():
        return render_template("login.html", next_url=next_url or "",
                               error="页面已过期，请重新登录。"), 400
    rt = runtime()
    username = request.form.get("username", "").strip()
    try:
        member = sign_in(rt, username, request.form.get("password", ""), request.remote_addr)
    except Throttled as exc:  # a page, not the API: the refusal is said in HTML
        seconds = exc.retry_after
        wait = f"{seconds} 秒" if seconds < 120 else f"{-(-seconds // 60)} 分钟"
        page = render_template("login.html", next_url=next_url or "", username=username,
                               error=f"登录失败次数过多，请 {wait}后再试。")
        return page, 429, {"Retry-After": str(seconds)}
    if member is None:
        return render_template("login.html", next_url=next_url or "",
                               error="用户名或密码错误。", username=username), 401
    if INTEGRATION in member.roles:  # a system's account has no page to go to
        return render_template("login.html", next_url=next_url or "", username=username,
                               error="对接系统的账号只用于 FHIR 接口，不能登录页面。"), 403
    ttl = rt.settings.jwt_ttl_seconds
    token = issue_token(rt.settings.jwt_secret, member.username, member.roles,
                        ttl_seconds=ttl, name=member.name, version=member.token_version)
    roles = tuple(member.roles)
    response = redirect(next_url or home_for(roles))
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl, httponly=True, samesite="Lax",
                        secure=rt.settings.is_production, path="/")
    return response


@pages.post("/logout")
def logout() -> Response:
    """Sign out: the session's token ends on every service, not only its cookie here."""
    response = redirect("/login")
    if csrf_ok():
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            try:
                principal = signed_in(token)
            except AuthError:
                pass  # expired or ended already: nothing left to end
            else:
                # Not behind ``page``: the cookie's member, not a request's, signs out.
                with unit_of_work(runtime(), principal.username) as w:
                    sign_out(w, principal)
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("/admin")
@page("admin")
def admin() -> str:
    # Booking's address: before leave is recorded, the page asks it who is booked. The
    # hospital's zone: the week shown starts on the hospital's Monday, not the browser's.
    # Today: the hospital's, from the server's clock, so the week opens on this week
    # whatever the browser's zone or clock.
    with reading() as w:
        zone, today = w.desk.zone, w.desk.today
    return render_template("admin.html", services={"booking": runtime().settings.booking_url},
                           zone=zone.key, today=today.isoformat())


@pages.get("/admin/staff")
@page("admin")
def staff() -> str:
    """Staff accounts: create, roles, a new password, deactivate (the CLI's, on a page)."""
    return render_template("staff.html")


@pages.get("/admin/privacy")
@page("admin")
def privacy() -> str:
    """Patients' data for their PIPL requests: export, erasure, the access log."""
    with reading() as w:
        zone = w.desk.zone
    settings = runtime().settings
    services = {"booking": settings.booking_url, "notify": settings.notify_url,
                "followup": settings.followup_url}
    return render_template("privacy.html", services=services, zone=zone.key)
