"""The user file that mypy --strict checks (scripts/test) runs as well."""

import user_example


def test_the_user_example_runs() -> None:
    rows = user_example.main()
    assert len(rows) == 5
    accounts = {r["account"] for r in rows}
    assert "Acme Corporation Ltd" in accounts
    assert all(r["talk_ratio"] is None or 0 <= r["talk_ratio"] <= 1 for r in rows)
