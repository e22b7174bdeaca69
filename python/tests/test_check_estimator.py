"""scikit-learn's check_estimator on the three estimators: every check must pass. (With
scikit-learn 1.9.1 all 49 run and pass; check_array_api_input skips itself unless SCIPY_ARRAY_API
is set: the estimators take numpy arrays.) A check that cannot pass would be listed in EXPECTED
with the reason, and docs/python.md would repeat it."""

import pytest

import coldstart

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

# check name -> why it does not apply to these estimators.
EXPECTED = {
}

ESTIMATORS = [
    coldstart.KMeans(3, random_state=0),
    coldstart.MiniBatchKMeans(3, batch_size=64, max_steps=20, random_state=0),
    coldstart.KMedoids(3, random_state=0),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_check_estimator(est):
    results = check_estimator(est, expected_failed_checks=EXPECTED, on_fail=None)
    failed = {r["check_name"]: str(r["exception"])[:300] for r in results
              if r["status"] == "failed"}
    assert not failed, failed
    assert sum(r["status"] == "passed" for r in results) >= 45
