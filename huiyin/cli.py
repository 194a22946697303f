"""Staff command line: `python -m huiyin set-status REF in_progress --note "..."` and friends."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import i18n, lifecycle, queries
from cases.areas import people, routing
from cases.clock import utcnow
from cases.messages import format_date
from cases.models import StaffUser
from cases.policies import loader as policy_loader
from cases.staff import accounts as staff
from cases.store.db import ensure_postgres_database
from cases.workflow import Actor, Status, TransitionNotAllowed, next_statuses
from huiyin import bootstrap
from huiyin.settings import Settings, get_settings


def _show(session: Session, reference: str, tz: str) -> str:
    case = queries.find_case(session, reference=reference)
    lines = [
        f"{case.reference}  {case.request_type}  [{case.status}]  department: {case.department}",
        f"  resident: {case.resident.channel}:{case.resident.external_id} ({case.resident.display_name or '-'})",
        f"  created {format_date(case.created_at, tz)}, due {format_date(case.due_at, tz)}",
        f"  location: {case.address or ''} {'' if case.latitude is None else f'({case.latitude}, {case.longitude})'}",
        f"  description: {case.description}",
        f"  photos: {', '.join(p.path for p in case.photos) or '-'}",
        "  history:",
    ]
    for event in case.events:
        lines.append(
            f"    {event.created_at:%Y-%m-%d %H:%M} {event.from_status or '-'} -> {event.to_status}"
            f" by {event.actor}{' ' + event.actor_name if event.actor_name else ''}"
            f"{' | ' + event.public_note if event.public_note else ''}"
            f"{' | internal: ' + event.internal_note if event.internal_note else ''}"
        )
    moves = ", ".join(s.value for s in next_statuses(Status(case.status), Actor.STAFF)) or "none"
    lines.append(f"  staff may move it to: {moves}")
    return "\n".join(lines)


def _read_password(from_stdin: bool) -> str:
    """The new account's password: HUIYIN_STAFF_PASSWORD, standard input, or a prompt (typed twice)."""
    if os.environ.get("HUIYIN_STAFF_PASSWORD"):
        return os.environ["HUIYIN_STAFF_PASSWORD"]
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise staff.StaffError("the two passwords typed differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m huiyin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-db", help="create or migrate the tables to the current schema")
    set_status = commands.add_parser("set-status", help="move a case to another status")
    set_status.add_argument("reference")
    set_status.add_argument("status", choices=[s.value for s in Status])
    set_status.add_argument("--note", help="public note, sent to the resident")
    set_status.add_argument("--internal-note", help="internal note, never sent")
    set_status.add_argument("--by", default="staff", help="staff member's name")
    set_status.add_argument("--scheduled-for", type=date.fromisoformat, help="YYYY-MM-DD, for status scheduled")
    show = commands.add_parser("show", help="show a case and its history")
    show.add_argument("reference")
    listing = commands.add_parser("list", help="list cases")
    listing.add_argument("--status", choices=[s.value for s in Status])
    create = commands.add_parser("create-staff", help="create a console account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=staff.ROLES)
    create.add_argument("--name", help="full name shown to colleagues and residents")
    create.add_argument("--department", help="an agent's or department supervisor's department")
    create.add_argument("--telegram-chat-id", help="where alerts and reports reach this person")
    create.add_argument("--language", choices=i18n.LANGUAGES,
                        help="the language they read the console, alerts and reports in (default: their browser's)")
    create.add_argument("--wechat-openid", help="their OpenID on the city's Official Account: alerts and reports there")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list-staff", help="list console accounts")
    policies = commands.add_parser("load-policies", help="add or update policy answers from a YAML file")
    policies.add_argument("file", type=argparse.FileType("r", encoding="utf-8"))
    set_area = commands.add_parser("set-area", help="make a grid's worker (agent) or an area's supervisor")
    set_area.add_argument("username")
    set_area.add_argument("area", help="a grid, community, sub-district or district code; 'none' to clear")
    commands.add_parser("list-areas", help="list the city's areas and who answers for each")
    set_wechat = commands.add_parser("set-wechat", help="where WeChat reaches a staff member with alerts and reports")
    set_wechat.add_argument("username")
    set_wechat.add_argument("openid", help="their OpenID on the city's Official Account; 'none' to clear")
    return parser


def _set_status(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    case = queries.find_case(session, reference=args.reference)
    lifecycle.change_status(
        session, case=case, to_status=args.status, actor=Actor.STAFF,
        actor_name=args.by, public_note=args.note, internal_note=args.internal_note,
        scheduled_for=args.scheduled_for, timezone=settings.timezone,
        quiet_hours=bootstrap.quiet_hours(settings),
    )
    print(f"{case.reference} is now {case.status}; the resident will be notified.")


def _show_case(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    print(_show(session, args.reference, settings.timezone))


def _create_staff(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    # args.password was read and checked in main, before the database was opened
    user = staff.create_staff(session, username=args.username, password=args.password, role=args.role,
                              display_name=args.name, department=args.department,
                              telegram_chat_id=args.telegram_chat_id, language=args.language,
                              wechat_openid=args.wechat_openid)
    print(f"Created {user.role} {user.username} ({user.display_name}"
          f"{', ' + user.department if user.department else ''}).")


def _list_staff(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    for user in staff.list_staff(session):
        print(f"{user.username}\t{user.role}\t{user.department or user.area_code or '-'}\t"
              f"{'active' if user.active else 'disabled'}\t{user.display_name}")


def _set_area(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    user = session.scalar(select(StaffUser).where(StaffUser.username == args.username))
    if user is None:
        raise ValueError(f"there is no account {args.username}")
    code = None if args.area.strip().lower() in ("none", "-", "") else args.area
    areas = routing.router().areas
    people.set_area(session, staff=user, area_code=code, areas=areas)
    area = areas.get(user.area_code)
    print(f"{user.username} now answers for {f'{area.level} {area.code} ({area.name})' if area else 'no area'}.")


def _set_wechat(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    user = session.scalar(select(StaffUser).where(StaffUser.username == args.username))
    if user is None:
        raise ValueError(f"there is no account {args.username}")
    openid = None if args.openid.strip().lower() in ("none", "-", "") else args.openid
    try:
        staff.set_wechat_openid(session, staff=user, openid=openid)
    except staff.StaffError as exc:  # "Not done", not the account's "Not created"
        raise ValueError(str(exc)) from None
    print(f"{user.username} gets alerts and reports on WeChat {'at ' + openid if openid else 'no more'}.")


def _list_areas(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    areas = routing.router().areas
    for level in ("district", "subdistrict", "community", "grid"):
        for area in areas.at_level(level):
            who = ", ".join(u.username for u in people.people_of(session, area.code)) or "-"
            print(f"{area.code}\t{area.level}\t{area.name} / {area.name_in('zh')}\t{who}")


def _list_cases(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    for case in queries.list_cases(session, status=args.status):
        print(f"{case.reference}\t{case.status}\t{case.request_type}\t{case.description[:60]}")


def _load_policies(session: Session, args: argparse.Namespace, settings: Settings) -> None:
    added, updated = policy_loader.load_policies(session, text=args.file.read(), now=utcnow())
    print(f"Policy answers: {added} added, {updated} updated.")


# The commands that run in one transaction ("init-db" needs none: opening the database migrates it).
_COMMANDS: dict[str, Callable[[Session, argparse.Namespace, Settings], None]] = {
    "set-status": _set_status,
    "show": _show_case,
    "create-staff": _create_staff,
    "list-staff": _list_staff,
    "list": _list_cases,
    "load-policies": _load_policies,
    "set-area": _set_area,
    "list-areas": _list_areas,
    "set-wechat": _set_wechat,
}


def main(argv: list[str] | None = None) -> int:
    """Run one staff command; exit 0 on success, 1 on a refused or unknown case."""
    args = _parser().parse_args(argv)
    if args.command == "create-staff":
        try:
            args.password = _read_password(args.password_stdin)
            staff.check_password(args.password)
        except staff.StaffError as exc:
            print(f"Not created: {exc}.", file=sys.stderr)
            return 1
    settings = get_settings()
    bootstrap.owner_only(settings)  # `init-db` may create the database: owner-only from the start
    if args.command == "init-db" and ensure_postgres_database(settings.database_url):
        print("created the database")
    db = bootstrap.database(settings)
    try:
        if args.command == "init-db":
            print(f"schema up to date in {db.engine.url.render_as_string(hide_password=True)}")
            with db.transaction() as session:  # a fresh install gets the sample policy answers
                if seeded := policy_loader.seed_sample(session, now=utcnow()):
                    print(f"loaded {seeded} sample policy answers")
            return 0
        with db.transaction() as session:
            _COMMANDS[args.command](session, args, settings)
        return 0
    except queries.CaseNotFound as exc:
        print(f"No case with reference {exc.args[0]}.", file=sys.stderr)
        return 1
    except staff.StaffError as exc:
        print(f"Not created: {exc}.", file=sys.stderr)
        return 1
    except TransitionNotAllowed as exc:
        print(f"Not allowed: {exc}.", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. "scheduled" without --scheduled-for
        print(f"Not done: {exc}.", file=sys.stderr)
        return 1
    finally:
        db.dispose()

