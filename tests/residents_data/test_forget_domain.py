"""Forgetting a resident in the domain: nothing personal left in any table, cases kept anonymised, files deleted."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from cases.models import Case, CasePhoto, Resident
from cases.residents import find_resident, get_or_create_resident
from cases.residents_data import export, forget
from tests.city import CITY
from tests.residents_data.seed import leftovers, seed

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)


def test_forgetting_leaves_nothing_personal_and_keeps_anonymous_cases(db, tmp_path):
    media = tmp_path / "media"
    with db.transaction() as session:
        get_or_create_resident(session, channel="telegram", external_id="770011223", now=NOW)
        seeded = seed(session, channel="telegram", external_id="770011223", name="Zebedee Quill", media_dir=media,
                      now=NOW, tag="Q7")
        get_or_create_resident(session, channel="telegram", external_id="770011224", display_name="Other", now=NOW)
    with db.transaction() as session:
        resident = find_resident(session, channel="telegram", external_id="770011223")
        assert forget.open_references(session, resident=resident) == seeded.references[:1]
        before = export.export_resident(session, resident=resident, now=NOW)
        assert {case["reference"] for case in before["cases"]} == set(seeded.references)
        done = forget.forget_resident(session, resident=resident, now=NOW, **CITY)
    assert done.cancelled == seeded.references[:1] and done.files == seeded.photo_paths
    assert forget.delete_files(media, done.files) == 1 and not (media / seeded.photo_paths[0]).exists()
    with db.transaction() as session:
        assert leftovers(session, seeded.needles) == []
        cases = {c.reference: c for c in session.scalars(select(Case).where(Case.reference.in_(seeded.references)))}
        assert [cases[r].status for r in seeded.references] == ["cancelled", "resolved"]
        assert cases[seeded.references[0]].request_type == "pothole"
        assert (cases[seeded.references[0]].latitude, cases[seeded.references[0]].longitude) == (31.23, 121.47)
        ids = [c.id for c in cases.values()]
        assert session.scalars(select(CasePhoto).where(CasePhoto.case_id.in_(ids))).all() == []
        assert find_resident(session, channel="telegram", external_id="770011224").display_name == "Other"
        assert session.scalar(select(Resident).where(Resident.id == cases[seeded.references[0]].resident_id)
                              ).external_id.startswith("forgotten-")
        # A new message from the same chat is a new resident.
        assert find_resident(session, channel="telegram", external_id="770011223") is None
