"""The matcher's decision model is the one bench.policy_fit fits on our own question sets: a change to the
features, the thesaurus or the sample list that is not followed by a refit fails here."""

from __future__ import annotations

import pytest

from bench import policy_fit
from cases.policies import matching
from cases.policies.loader import seed_sample
from tests.policies.helpers import NOW


def test_the_weights_in_matching_are_the_fit_of_our_own_questions(db):
    with db.transaction() as session:
        seed_sample(session, now=NOW)
        index = matching.IndexCache().index(session)
        rows = [row for rows in policy_fit.sets_of(index).values() for row in rows]
    assert not any(path.stem.startswith("heldout") for path in policy_fit.SETS)
    weights, bias = policy_fit.fit(rows)
    assert list(matching.DECISION_WEIGHTS) == pytest.approx([round(w, 4) for w in weights], abs=2e-4)
    assert pytest.approx(round(bias, 4), abs=2e-4) == matching.DECISION_BIAS
