"""tools/backward_fails.py picks the failing travels of a backward draw and the generate() batches that hold them."""
from tools import backward_fails


def test_failing_travels_and_their_batches():
    rows = [{"all": True, "motion_kind": "left"}] * 20
    rows = [dict(r) for r in rows]
    rows[3].update(all=False)                               # a travel: reported, batch 0
    rows[5].update(all=False, motion_kind="spin")           # not a travel: left out
    rows[17].update(all=False, motion_kind="down")          # batch 16
    rows[19].update(all=False, motion_kind="up")            # the same batch
    assert backward_fails.failing_travels(rows) == ([3, 17, 19], [0, 16])
    assert backward_fails.failing_travels(rows[:3]) == ([], [])
