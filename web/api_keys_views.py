"""Open311 API keys in the console: admins make them (the key shown once), see when each was used, revoke."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cases.models import StaffUser
from cases.open311 import keys
from web.auth import guard
from web.core import console_of, current, form_of, not_done, redirect
from web.language import N_


@guard("manage_staff")
async def key_list(request: Request) -> Response:
    """Every key, revoked ones too, with the form to make one."""
    console = console_of(request)
    return await console.run(lambda session: console.render(request, "api_keys.html",
                                                            keys=keys.list_keys(session), new_key=None))


@guard("manage_staff")
async def key_create(request: Request) -> Response:
    """Make a key and show it, this once: only its hash is kept."""
    console, me = console_of(request), current(request)
    form = await form_of(request)

    def work(session) -> Response:
        row, key = keys.create_key(session, name=str(form.get("name") or ""), staff=session.get(StaffUser, me.id))
        return console.render(request, "api_keys.html", keys=keys.list_keys(session), new_key=key,
                              new_key_name=row.name)

    try:
        return await console.run(work)
    except ValueError as refused:
        return redirect(request, "/api-keys", not_done(request, refused), "error")


@guard("manage_staff")
async def key_revoke(request: Request) -> Response:
    """Stop a key working; what it filed stays."""
    console = console_of(request)
    await form_of(request)  # checks the CSRF token

    def work(session) -> None:
        try:
            keys.revoke_key(session, key_id=request.path_params["key_id"])
        except LookupError:
            raise HTTPException(404, N_("There is no such API key.")) from None

    await console.run(work)
    return redirect(request, "/api-keys", N_("API key revoked."))
