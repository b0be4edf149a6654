"""Security headers on every answer (SPEC §11).

Pages: a content security policy allowing scripts, styles and calls only from the
clinic's own services, and no framing (``frame-ancestors 'none'``). Everything: no
content-type sniffing, no referrer (the patient link must not leak to another site
in a ``Referer``), and nothing with patient data kept in a cache.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, request

STATIC = "/static/"


def page_policy(origins: Iterable[str]) -> str:
    ours = " ".join(sorted(set(origins)))
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {ours}; form-action 'self' {ours}; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")


def install_headers(app: Flask, origins: Iterable[str]) -> None:
    policy = page_policy(origins)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = policy
        else:
            response.headers.setdefault("Content-Security-Policy",
                                        "default-src 'none'; frame-ancestors 'none'")
        if not request.path.startswith(STATIC):
            response.headers["Cache-Control"] = "no-store"
        return response
