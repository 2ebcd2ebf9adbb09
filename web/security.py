"""Security headers on every response, and the locked kiosk mode.

Every script the pages run is the app's own (static/js, htmx from node_modules served under
/assets), so the policy allows scripts from this origin only: an injected `<script>` or
`onclick=` does not run. Style *attributes* stay allowed (`style-src-attr`) because report and
transparency bars set their width inline; they cannot run code. htmx's own indicator `<style>`
is switched off in base.html (`includeIndicatorStyles: false`), so no inline `<style>` element
is needed.

Kiosk mode (KIOSK_MODE=1) is a property of the whole server instance, not of a device: the
touchscreen's Chromium points at an instance started with KIOSK_MODE=1 (its own port, same
database), and that instance answers 404 to every staff page and every staff API route, as if
they did not exist. A per-device cookie was rejected: cookies get cleared, and an instance that
has no staff routes cannot be talked into showing them.
"""

from __future__ import annotations

from flask import Flask, Request, Response, abort, request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Older browsers that ignore frame-ancestors.
    "X-Frame-Options": "DENY",
    # A status page's address holds the ticket's token: never send it to another site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# The only /api/ routes a kiosk-mode instance answers: those that need no staff token.
PUBLIC_API_ENDPOINTS = frozenset({
    "api_docs.spec",
    "api_v1.services",
    "api_v1.counters",
    "api_v1.create_ticket",
    "api_v1.get_ticket",
    "api_ratings.rate",
})


def _add_headers(response: Response) -> Response:
    """Each header of HEADERS the response does not set itself (one pass over its headers)."""
    present = {name.lower() for name in response.headers.keys()}
    response.headers.extend((name, value) for name, value in HEADERS.items()
                            if name.lower() not in present)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The signed session cookie of pages; the JSON API under /api/ neither reads nor sets it.

    API callers prove who they are with a bearer token only, so a signed-in browser's cookie
    never counts there (and no request pays for verifying a signature nobody uses).
    """

    def open_session(self, app: Flask, request: Request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def staff_only_in_kiosk(path: str, endpoint: str | None) -> bool:
    """Whether a kiosk-mode instance refuses this request (unknown addresses 404 anyway)."""
    if path == "/staff" or path.startswith("/staff/"):
        return True
    if path == "/api" or path.startswith("/api/"):
        return endpoint not in PUBLIC_API_ENDPOINTS
    return False


def _refuse_staff_routes() -> None:
    if staff_only_in_kiosk(request.path, request.endpoint):
        abort(404)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_add_headers)
    if app.config.get("KIOSK_MODE"):
        # First of all before-request work, so even the CSRF check never sees these requests.
        app.before_request_funcs.setdefault(None, []).insert(0, _refuse_staff_routes)
