"""bench/run.py --quick measures every row of the issue for every template (the figures are not judged here)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.support.harness import REPO

TEMPLATES = ("flask-api", "flask-webapp", "django-fullstack")
# Item number -> rows per template (item 1 is one row for newproj itself).
# Item 4: three figures against a one-route app, the same three against a hand-written app.
# Item 5: the README's Tests block, then pytest alone for the default and the richest answers.
PER_TEMPLATE = {2: 1, 3: 1, 4: 6, 5: 3}
FIGURE = re.compile(r"^[\d,.]+ (ms|s|req/s|MiB)$")


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def table_rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if re.match(r"^\| \d+ \|", line)]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


@pytest.mark.e2e
def test_quick_mode_finishes_with_every_measurement_taken(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    assert "failed" not in quick_run.stdout


@pytest.mark.e2e
def test_the_table_has_exactly_the_issue_rows_for_every_template(quick_run: subprocess.CompletedProcess[str]) -> None:
    rows = table_rows(quick_run.stdout)
    items = Counter(int(row[0]) for row in rows)
    assert items == {1: 1, **{item: count * len(TEMPLATES) for item, count in PER_TEMPLATE.items()}}
    for item, count in PER_TEMPLATE.items():
        for template in TEMPLATES:
            assert sum(row[1].startswith(f"{template}:") for row in rows if int(row[0]) == item) == count


@pytest.mark.e2e
def test_every_row_has_a_figure_a_target_and_a_verdict(quick_run: subprocess.CompletedProcess[str]) -> None:
    for item, what, value, baseline, ratio, target, met in table_rows(quick_run.stdout):
        assert FIGURE.match(value), (what, value)
        assert target, what
        assert met in ("yes", "**no**"), (what, met)
        if item in ("1", "2", "4"):
            assert FIGURE.match(baseline), (what, baseline)
            assert re.fullmatch(r"\d+\.\d\dx", ratio), (what, ratio)


@pytest.mark.e2e
def test_the_headline_row_says_where_the_time_went(quick_run: subprocess.CompletedProcess[str]) -> None:
    for template in TEMPLATES:
        note = next(line for line in quick_run.stdout.splitlines() if line.startswith(f"Row 3, {template} "))
        for part in ("render + git", "venv", "dependencies", "migrations", "server start"):
            assert part in note, note
        # Each set-up step's CPU time, and the whole run's: the figures that a loaded machine does not inflate.
        assert re.search(r"dependencies [\d.]+ m?s \([\d.]+ m?s CPU\)", note), note
        assert re.search(r"; [\d.]+ m?s CPU in all, load average ", note), note


@pytest.mark.e2e
def test_serving_is_compared_with_a_hand_written_app_too(quick_run: subprocess.CompletedProcess[str]) -> None:
    rows = [row for row in table_rows(quick_run.stdout) if row[0] == "4"]
    for template in TEMPLATES:
        mine = [row[1] for row in rows if row[1].startswith(f"{template}:")]
        assert sum("one-route" in what for what in mine) == 3, mine
        assert sum("hand-written" in what and "SELECT 1" in what for what in mine) == 3, mine


@pytest.mark.e2e
def test_the_suite_rows_cover_the_richest_answers_and_say_their_cpu_time(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    for template in TEMPLATES:
        suites = [row for row in table_rows(quick_run.stdout) if row[1].startswith(f"{template}: its pytest suite")]
        assert [row[5] for row in suites] == ["< 5 s", "< 5 s"]
        assert "default answers" in suites[0][1] and "accounts=roles" in suites[1][1]
        notes = [line for line in quick_run.stdout.splitlines() if line.startswith(f"Row 5, {template} (")]
        assert len(notes) == 2 and all(re.search(r"[\d.]+ m?s of CPU time", note) for note in notes), notes
