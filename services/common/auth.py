"""The role check every service applies to a request (SPEC §4).

A token (``services.common.tokens``) travels as ``Authorization: Bearer …`` for the
API, or as the ``clinic_session`` cookie for the staff pages.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import abort, current_app, g, request

from .tokens import ROLES, AuthError, Principal, verify_token

SESSION_COOKIE = "clinic_session"
CSRF_COOKIE = "clinic_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


#: Tokens whose signature and claims were checked, by key and token: a console sends the
#: same token with every request, and checking the signature again would say the same
#: until it expires (checked on every use). Revocation is asked each time, as before.
_VERIFIED: dict[tuple[str, str], Principal] = {}
_VERIFIED_AT_MOST = 4096


def _verified(secret: str, token: str) -> Principal:
    principal = _VERIFIED.get((secret, token))
    if principal is not None and principal.expires_at is not None \
            and datetime.now(UTC) < principal.expires_at:
        return principal
    principal = verify_token(secret, token)
    if len(_VERIFIED) >= _VERIFIED_AT_MOST:
        _VERIFIED.clear()  # many tokens at once: start again rather than grow
    _VERIFIED[(secret, token)] = principal
    return principal


def signed_in(token: str) -> Principal:
    """The principal of a token this service accepts now: signed with the key, not
    expired, and not revoked since it was issued."""
    rt = current_app.extensions["clinic"]
    principal = _verified(rt.settings.jwt_secret, token)
    if rt.tokens is not None and not rt.tokens(principal):
        raise AuthError("token revoked")
    return principal


def token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_principal() -> Principal:
    """Who the request acts for; only views behind :func:`roles_required` ask."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        abort(401, description="A bearer token is required.")
    return principal


def csrf_token(session_token: str) -> str:
    """The CSRF token of one session: derived from the session's own (HttpOnly) token with
    the signing key, so nobody who cannot read that token can make it — a cookie set by
    someone else (cookie tossing) does not help them."""
    secret = current_app.extensions["clinic"].settings.jwt_secret
    mac = hmac.new(secret.encode(), f"csrf|{session_token}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def page_csrf_token() -> str:
    """The token the page's forms and scripts send back: bound to the session when there
    is one; before sign-in (the login form only), a random double-submit cookie."""
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        return csrf_token(session_token)
    return g.get("csrf_cookie") or request.cookies.get(CSRF_COOKIE, "")


def csrf_ok(*, form: bool = True) -> bool:
    """A change signed by the session cookie must carry the session's CSRF token, in the
    ``X-CSRF-Token`` header (or, for a page's form, the ``csrf_token`` field)."""
    if request.method in SAFE_METHODS:
        return True
    given = request.headers.get(CSRF_HEADER) or (
        request.form.get("csrf_token", "") if form else "")
    expected = page_csrf_token()
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def authenticate() -> Principal:
    """The request's principal from its bearer token or, for pages, the session cookie.

    401 when there is none or it is bad; 403 when a cookie-signed change lacks the
    CSRF token.
    """
    token = token_from_request()
    if token is None and request.cookies.get(SESSION_COOKIE):
        if not csrf_ok(form=False):
            abort(403, description="The form's security token is missing or wrong; reload "
                  "the page and try again.")
        token = request.cookies[SESSION_COOKIE]
    if token is None:
        abort(401, description="A bearer token is required.")
    try:
        principal = signed_in(token)
    except AuthError as exc:
        abort(401, description=f"The bearer token is not valid: {exc}.")
    g.principal = principal
    return principal


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow a view only to staff holding one of ``roles``: 401 without a token, else 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if not principal.has_any(roles):
                abort(403, description=f"This needs one of the roles: {', '.join(roles)}.")
            return view(*args, **kwargs)

        wrapper._clinic_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
