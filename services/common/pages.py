"""What every service's pages share: sign-in by cookie, language, CSRF, the layout.

Schedule's login page puts the staff token in the ``clinic_session`` cookie
(HttpOnly). Cookies are shared by every port of one host, so the pages of all
four services see it. A visitor without a valid one is sent to the login page
and comes back afterwards.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request
from jinja2 import BaseLoader, ChoiceLoader, PackageLoader

from .auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthError,
    Principal,
    page_csrf_token,
    signed_in,
)
from .refusal_words import page_words

LANG_COOKIE = "clinic_lang"
LANGUAGES = ("zh-CN", "en")
YEAR = 365 * 24 * 3600


def current_language() -> str:
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return wanted if wanted in LANGUAGES else "zh-CN"


def page_principal() -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return signed_in(token)
    except AuthError:
        return None


def login_url(next_url: str | None = None) -> str:
    base = current_app.extensions["clinic"].settings.schedule_url
    return f"{base}/login?next={quote(next_url or request.url, safe='')}"


def page(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A staff page: sign in first; with the wrong role, a page that says so (403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = page_principal()
            if principal is None:
                return redirect(login_url())
            g.principal = principal
            if roles and not principal.has_any(roles):
                return render_template("forbidden.html", roles=roles), 403
            return view(*args, **kwargs)

        return wrapper

    return decorator


def install_pages(app: Flask, catalog: Mapping[str, str], *, serves_root: bool = False) -> None:
    """Shared layout and static files, the ``_`` translator, and the cookies pages need.

    Every page also gets ``clinic_words`` (``refusal_words.page_words``): the texts of refusal
    codes and access-log actions in its language, which ``base.html`` hands to the
    scripts as a JSON block.

    A service whose pages do not serve ``/`` (``serves_root``) sends visitors of its
    bare address to schedule's, which signs them in and opens their role's home page.
    """
    own: list[BaseLoader] = [app.jinja_loader] if app.jinja_loader else []
    app.jinja_loader = ChoiceLoader([*own, PackageLoader("services.common", "templates")])
    app.register_blueprint(Blueprint("common_static", __name__, static_folder="static",
                                     static_url_path="/static/common"))
    if not serves_root:
        app.add_url_rule("/", "home", lambda: redirect(
            current_app.extensions["clinic"].settings.schedule_url + "/"))

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        language = current_language()
        settings = current_app.extensions["clinic"].settings

        def translate(text: str) -> str:
            if language == "zh-CN":
                return text
            return catalog.get(text) or LAYOUT_TEXT.get(text, text)

        return {"_": translate, "lang": language, "principal": g.get("principal"),
                "role_names": ROLE_NAMES,
                "urls": {"schedule": settings.schedule_url, "booking": settings.booking_url,
                         "notify": settings.notify_url, "followup": settings.followup_url},
                "csrf_token": page_csrf_token(),
                "clinic_words": page_words(settings.SERVICE, language),
                "development": not settings.is_production, "service": settings.SERVICE}

    @app.before_request
    def _csrf_cookie() -> None:
        if not request.cookies.get(CSRF_COOKIE):
            g.csrf_cookie = secrets.token_urlsafe(24)

    @app.after_request
    def _cookies(response: Response) -> Response:
        secure = current_app.extensions["clinic"].settings.is_production
        if g.get("csrf_cookie"):
            response.set_cookie(CSRF_COOKIE, g.csrf_cookie, samesite="Lax", path="/",
                                secure=secure, httponly=True)
        wanted = request.args.get("lang")
        if wanted in LANGUAGES:
            response.set_cookie(LANG_COOKIE, wanted, max_age=YEAR, samesite="Lax", path="/",
                                secure=secure)
        return response


#: English for the words of the shared layout (Chinese is the text itself).
LAYOUT_TEXT = {
    "预约系统": "Appointments", "跳到正文": "Skip to content", "导航": "Navigation",
    "预约台": "Console", "今日名单": "Roster", "统计": "Statistics", "排班管理": "Scheduling",
    "患者数据": "Patient data", "员工账号": "Staff", "回访": "Follow-up",
    "记录咨询": "Record an enquiry", "统一回答口径": "Shared answers", "投诉处理": "Complaints",
    "发件箱": "Outbox", "退出": "Sign out", "没有权限": "Not allowed",
    "这个页面需要以下角色之一：": "This page needs one of these roles:",
    "请换一个账号登录，或联系管理员。": "Sign in with another account, or ask an administrator.",
    "回到首页": "Home",
    "咨询员": "Consultant", "前台": "Front desk", "主管": "Manager", "系统管理员": "Administrator",
    "对接系统": "Hospital system",
    "、": ", ", "。": ".",
}

#: Each role as staff call it (the codes are for the API, not for people).
ROLE_NAMES = {"consultant": "咨询员", "frontdesk": "前台", "manager": "主管", "admin": "系统管理员",
              "integration": "对接系统"}
