"""Logging in and out, and the guard every console route goes through (login, CSRF, permission)."""

from __future__ import annotations

import functools
import hmac
import math
import secrets
from collections.abc import Awaitable, Callable
from typing import Optional
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cases.clock import utcnow
from cases.staff import accounts, alerts
from web.core import Current, console_of, form_of, json_response
from web.language import N_, language_of, shown_in
from web.throttle import LoginLimits, TooManyLogins, count_attempt, logged_in

SESSION_COOKIE = "huiyin_console"
LOGIN_CSRF_COOKIE = "console_login_csrf"  # before login there is no session: double-submit cookie
View = Callable[[Request], Awaitable[Response]]


async def resolve(request: Request) -> Optional[Current]:
    """The staff member whose session cookie came with this request, or None."""
    if getattr(request.state, "staff_resolved", False):
        return request.state.staff
    console = console_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        request.state.staff, request.state.staff_resolved = None, True
        return None

    def find(session) -> Optional[Current]:
        row = accounts.resolve_session(session, token, hours=console.settings.staff_session_hours)
        if row is None:
            return None
        user = row.staff
        return Current(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                       department=user.department, csrf_token=row.csrf_token,
                       unread_alerts=alerts.unread_count(session, user), area_code=user.area_code,
                       language=user.language)

    found = await console.run(find)
    request.state.staff, request.state.staff_resolved = found, True
    return found


def is_api(request: Request) -> bool:
    """JSON routes answer 401/403 as JSON instead of redirecting to pages."""
    return request.url.path.startswith("/api/")


def forbidden(request: Request, message: str) -> Response:
    """403, as JSON for the API and as a page otherwise (a console message in the request's language)."""
    language = language_of(request)
    if is_api(request):
        return json_response({"error": shown_in(message, language)}, 403)
    return console_of(request).render(request, "error.html", status_code=403,
                                      title=shown_in(N_("Not allowed"), language), message=shown_in(message, language))


async def csrf_ok(request: Request, expected: str) -> bool:
    """Whether a POST carries the session's CSRF token (header X-CSRF-Token or form field csrf_token)."""
    sent: Optional[str | UploadFile] = request.headers.get("x-csrf-token")
    if sent is None:
        form = await form_of(request)
        sent = form.get("csrf_token")
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


def guard(action: str = "work_cases") -> Callable[[View], View]:
    """Wrap a view: logged-in staff only (redirect or 401), CSRF on POST (403), `action` permitted (403)."""
    def wrap(view: View) -> View:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            staff = await resolve(request)
            if staff is None:
                if is_api(request):
                    return json_response({"error": shown_in(N_("Please log in."), language_of(request))}, 401)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":
                    target = "/"
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            if request.method == "POST" and not await csrf_ok(request, staff.csrf_token):
                return forbidden(request, N_("This form has expired. Please reload the page and try again."))
            if not accounts.may(staff, action):
                return forbidden(request, N_("Your role does not allow this."))
            return await view(request)

        # create_app refuses routes without a guard; mypy has no notion of attributes set on a function.
        endpoint.guarded_by = action  # type: ignore[attr-defined]
        return endpoint

    return wrap


def safe_next(target: Optional[str]) -> str:
    """Where to go after login: a path on this site only (no //host, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/cases"
    return target


def _login_page(request: Request, *, error: Optional[str] = None, status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = console_of(request).render(
        request, "login.html", status_code=status_code, staff=None,
        error=shown_in(error, language_of(request)) if error else None, login_csrf=token,
        next=safe_next(request.query_params.get("next")))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/login", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    return response


async def login_form(request: Request) -> Response:
    """The login page (or straight on, if already logged in)."""
    if await resolve(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


async def login(request: Request) -> Response:
    """Check the username and password; on success start a session and go where the user was heading.

    The attempt is counted before the password is checked (web.throttle), so no number of parallel
    guesses gets more checks than the limit allows.
    """
    console = console_of(request)
    form = await form_of(request)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = form.get("csrf_token")
    if not cookie_token or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), cookie_token.encode()):
        return forbidden(request, N_("The login form has expired. Please reload the page and try again."))
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    address = request.client.host if request.client else ""
    limits = LoginLimits.from_settings(console.settings)
    try:
        await console.run(lambda session: count_attempt(session, username=username, address=address,
                                                        limits=limits, now=utcnow()))
    except TooManyLogins as refused:
        response = _login_page(request, status_code=429, error=refused.sentence(language_of(request)))
        response.headers["retry-after"] = str(max(1, math.ceil(refused.seconds)))
        return response

    def check(session) -> Optional[str]:
        user = accounts.authenticate(session, username, password)
        if user is None:
            return None
        logged_in(session, username=username, address=address)
        token, _ = accounts.start_session(session, user, hours=console.settings.staff_session_hours)
        return token

    token = await console.run(check)
    if token is None:
        return _login_page(request, error=N_("Wrong username or password, or the account is disabled."),
                           status_code=400)
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@guard()
async def logout(request: Request) -> Response:
    """End this session and go back to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    await console_of(request).run(lambda session: accounts.end_session(session, token))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
