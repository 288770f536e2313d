"""Pages from Jinja2 templates: every value escaped, the session cookie kept fresh."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from leadflow import __version__
from leadflow.web.deps import CSRF_FIELD, DashboardUnavailable, get_web_session, session_cookies
from leadflow.web.nav import menu_for

# Scripts only from our own /static (no inline script can run, so injected markup is inert);
# inline style attributes are allowed for widths and colours set by templates.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    """The dashboard's templates, autoescaped whatever their name; undefined names fail."""
    env = Environment(
        loader=PackageLoader("leadflow.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    return env


def _with_session(request: Request, response: Response) -> Response:
    """Set the session cookie when it is new or due for a refresh, and the security headers."""
    response.headers.update(SECURITY_HEADERS)
    web_session = getattr(request.state, "web_session", None)
    if web_session is not None and getattr(request.state, "set_session_cookie", False):
        cookies = session_cookies(request)
        response.set_cookie(value=cookies.dump(web_session), **cookies.cookie_options())
    return response


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    """A page: the template with the viewer, their menu and the CSRF token in its context."""
    try:
        token = get_web_session(request).csrf_token
    except DashboardUnavailable:
        token = ""  # only the page saying so is shown: it has no form
    me = getattr(request.state, "me", None)
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            viewer=getattr(request.state, "viewer", None),
            me=me,
            menu=menu_for(me),
            path=request.url.path,
            csrf_token=token,
            csrf_field=Markup('<input type="hidden" name="{}" value="{}">').format(
                CSRF_FIELD, escape(token)
            ),
            **context,
        )
    )
    return _with_session(request, HTMLResponse(html, status_code=status))


def redirect(request: Request, url: str) -> Response:
    """Send the browser to `url` (a 303 after a form; HX-Redirect for htmx requests)."""
    if request.headers.get("HX-Request") == "true":
        response: Response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return _with_session(request, response)
