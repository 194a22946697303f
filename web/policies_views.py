"""The policy database in the console: every staff member reads it; supervisors and admins add, edit, retire."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cases.clock import utcnow
from cases.models import PolicyAnswer, StaffUser
from cases.policies import service
from web.auth import guard
from web.core import console_of, current, form_of, run_change, whole_number
from web.language import N_

# Editing answers is the same trust as editing canned replies: supervisors and admins.
EDIT = "edit_canned"
FORM_FIELDS = ("title_en", "answer_en", "keywords_en", "examples_en", "title_zh", "answer_zh", "keywords_zh",
               "examples_zh", "source_url", "effective_from", "expires_on")


def _fields(form) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in FORM_FIELDS}


def _policy_or_404(session, request: Request) -> PolicyAnswer:
    policy = service.get_policy(session, request.path_params["policy_id"])
    if policy is None:
        raise HTTPException(404, N_("There is no such policy answer."))
    return policy


@guard()
async def policy_list(request: Request) -> Response:
    """Every answer (live, expired, retired) with its dates; `?edit=ID` opens one in the form."""
    console = console_of(request)
    edit_id = whole_number(request.query_params.get("edit", ""))

    def page(session) -> Response:
        editing = service.get_policy(session, edit_id) if edit_id is not None else None
        return console.render(request, "policies.html", policies=service.list_policies(session), editing=editing,
                              today=utcnow().astimezone(console.zone).date(), form=None)

    return await console.run(page)


async def _change(request: Request, work, done: str, back: str) -> Response:
    """Run a change in one transaction; a refusal is a flash message and changes nothing."""
    me, form = current(request), await form_of(request)
    return await run_change(request, lambda session: work(session, session.get(StaffUser, me.id), form),
                            back=back, done=done, to="/policies")


@guard(EDIT)
async def policy_create(request: Request) -> Response:
    """Add an answer."""
    def work(session, me, form) -> None:
        service.create_policy(session, code=str(form.get("code") or ""), fields=_fields(form), now=utcnow(),
                              staff=me)

    return await _change(request, work, N_("Policy answer added."), "/policies")


@guard(EDIT)
async def policy_update(request: Request) -> Response:
    """Change an answer's texts, link and dates."""
    def work(session, me, form) -> None:
        service.update_policy(session, policy=_policy_or_404(session, request), fields=_fields(form), now=utcnow(),
                              staff=me)

    return await _change(request, work, N_("Policy answer saved."),
                         f"/policies?edit={request.path_params['policy_id']}")


@guard(EDIT)
async def policy_retire(request: Request) -> Response:
    """Stop giving an answer; it stays listed as retired."""
    def work(session, me, form) -> None:
        service.retire_policy(session, policy=_policy_or_404(session, request), now=utcnow(), staff=me)

    return await _change(request, work, N_("Policy answer retired."), "/policies")
