"""A small month of cases worked by two officials, on a controlled clock, for the responsiveness tests.

March 2026 (T0 = Monday 2 March, 10:00 in Shanghai). Ann works roads, Bob sanitation:
- A, a pothole in grid D01-S01-C02-G06: Ann acknowledges it after 2 h and resolves it after 4 h (on time); the
  resident rates it 2/5 ("not fixed", reopened) 4 h later; Ann resolves it again the next day;
- B, a pothole in grid D01-S01-C02-G05: Ann acknowledges it after 6 h, Bob puts it in progress after 7 h, the
  resident chases it an hour after its due date, Ann resolves it 2 h after its due date (late);
- C, a garbage case in grid D02-S02-C01-G02: Bob acknowledges it after 1 h and resolves it after 3 h (on time);
  the resident rates it 5/5 3 h later;
- D, a garbage case in grid D01-S01-C02-G06 filed on 31 January: Bob acknowledges and resolves it in March (late);
- E, a garbage case in no grid (the triage desk's): nobody has answered it.
"""

from __future__ import annotations

from datetime import timedelta

from cases import lifecycle
from cases.followup import chase, survey
from cases.models import Case, StaffUser
from tests.cases.builders import T0, TZ, resident, staff
from tests.city import CITY, NO_QUIET_HOURS

SQUARE = (31.2304, 121.4737)  # D01-S01-C02-G06
NEXT_DOOR = (31.2255, 121.4655)  # D01-S01-C02-G05
OTHER_DISTRICT = (31.2404, 121.4937)  # D02-S02-C01-G02
H = timedelta(hours=1)


def _file(s, name: str, request_type: str, where=None, *, at=T0) -> Case:
    lat, lon = where or (None, None)
    return lifecycle.open_case(s, resident=resident(s, name), request_type=request_type, description="x",
                               latitude=lat, longitude=lon, address=None if where else "somewhere unknown",
                               now=at, reference_prefix="HY")


def _move(s, case: Case, to_status: str, by: StaffUser, at) -> None:
    lifecycle.change_status(s, case=case, to_status=to_status, actor="staff", staff=by, now=at, **CITY)


def _rate(s, case: Case, rating: int, at) -> None:
    survey.send_due_surveys(s, delay_hours=2, timezone=TZ, quiet_hours=NO_QUIET_HOURS, now=at - H)
    survey.record_rating(s, resident=case.resident, reference=case.reference, rating=rating, now=at, **CITY)


def fill(db) -> dict[str, int]:
    """File and work the month's cases; the officials' ids by username."""
    with db.transaction() as s:
        ann = staff(s, "ann", department="Roads and Highways")
        bob = staff(s, "bob", department="Sanitation")
        a, b = _file(s, "a", "pothole", SQUARE), _file(s, "b", "pothole", NEXT_DOOR)
        c, e = _file(s, "c", "garbage", OTHER_DISTRICT), _file(s, "e", "garbage")
        d = _file(s, "d", "garbage", SQUARE, at=T0 - timedelta(days=30))
        _move(s, a, "acknowledged", ann, T0 + 2 * H)
        _move(s, a, "resolved", ann, T0 + 4 * H)
        _rate(s, a, 2, T0 + 8 * H)
        _move(s, a, "resolved", ann, T0 + 24 * H)
        _move(s, b, "acknowledged", ann, T0 + 6 * H)
        _move(s, b, "in_progress", bob, T0 + 7 * H)
        chase.chase_case(s, resident=b.resident, reference=b.reference, timezone=TZ, now=b.due_at + H)
        _move(s, b, "resolved", ann, b.due_at + 2 * H)
        _move(s, c, "acknowledged", bob, T0 + H)
        _move(s, c, "resolved", bob, T0 + 3 * H)
        _rate(s, c, 5, T0 + 6 * H)
        _move(s, d, "acknowledged", bob, T0 + H)
        _move(s, d, "resolved", bob, T0 + 2 * H)
        assert e.first_response_at is None and d.due_at < T0
        return {"ann": ann.id, "bob": bob.id}
