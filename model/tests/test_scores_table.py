"""tools/scores_table.py prints the README's score tables from the shipped manifest: a score just under its
target must not read as the target (79/88 is 89.8%, not "90%" beside a 90% target)."""
import os
import sys

from conftest import MODEL

sys.path.insert(0, os.path.join(MODEL, "tools"))
import scores_table  # noqa: E402


def test_a_score_just_under_a_bar_keeps_a_decimal():
    assert scores_table.pct_against(79 / 88, 0.6, 0.9) == "89.8%"
    assert scores_table.pct_against(0.598, 0.6, 0.9) == "59.8%"


def test_other_scores_stay_whole_percent():
    assert scores_table.pct_against(0.84, 0.6, 0.9) == "84%"
    assert scores_table.pct_against(0.9, 0.6, 0.9) == "90%"
    assert scores_table.pct_against(0.904, 0.6, 0.9) == "90%"
    assert scores_table.pct_against(0.898, None, None) == "90%"


def test_the_shipped_table_shows_each_text_to_video_row(capsys):
    scores_table.main(os.path.join(MODEL, "..", "resources", "models", "world-s", "manifest.json"))
    out = capsys.readouterr().out
    assert "| 1 object, 16:9 | 88 |" in out and "| 2 objects, 16:9 | 56 |" in out
    assert "| 60% | 90% |" in out and "| 40% | 75% |" in out
