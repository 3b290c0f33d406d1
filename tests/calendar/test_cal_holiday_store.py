"""The holiday store (issue 20): the ``holidays`` package's answers kept as JSON per region in a
directory, under the package's version. Answers with the store off, cold (filled as it goes)
and warm (read back by a fresh store state) are the same; a warm store never loads the
package; files it did not write, of another version, or in a directory it cannot write are
handled; writers in several processes keep each other's answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from pledgedesk.calendar import HolidaySpec, holiday
from pledgedesk.calendar.holiday import HolidayFilter, _Store, known_names, use_store

SPECS = [
    HolidaySpec("US"),
    HolidaySpec("CA", "ON"),
    HolidaySpec("GB", "ENG", observed=False),
    HolidaySpec("GB", "ENG"),
    HolidaySpec("DE", "BY"),
    HolidaySpec("CA", "ON", include=("Boxing Day (observed)", "Christmas Day")),
    HolidaySpec("GB", "ENG", exclude=("Boxing Day",)),
    HolidaySpec("US", categories=("public", "unofficial")),
]
YEARS = (2021, 2026, 2027)  # 2021: New Year's Day 2022 observed on 31 December 2021 (US)


def _key(spec: HolidaySpec) -> tuple:
    return (spec.country, spec.subdiv, spec.categories, spec.observed)


def _package_label(spec: HolidaySpec) -> str:
    return holiday.observed_label(holiday._country_holidays(
        spec.country, spec.subdiv, spec.categories, spec.observed, []))


def _answers() -> list:
    """What a calendar asks of the module, for every spec and year."""
    known_names.cache_clear()
    out = []
    for spec in SPECS:
        rebuilt = HolidaySpec(spec.country, spec.subdiv, spec.include, spec.exclude,
                              spec.categories, spec.observed)  # validates its names again
        flt = HolidayFilter(rebuilt)
        out.append((spec, known_names(*_key(spec)),
                    {year: flt.closed_dates(year) for year in YEARS}))
    return out


@pytest.fixture(autouse=True)
def _no_store_after():
    yield
    use_store(None)
    known_names.cache_clear()


@pytest.fixture(scope="module")
def reference() -> list:
    use_store(None)
    answers = _answers()
    labels = {_key(spec): _package_label(spec) for spec in SPECS}
    return answers, labels


@pytest.fixture
def package_calls(monkeypatch) -> list:
    """Every call to the package, recorded (the call still goes to the package)."""
    calls = []
    real = holiday._country_holidays

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(holiday, "_country_holidays", counted)
    return calls


def _forbid_package(monkeypatch) -> None:
    def refuse(*args):
        raise AssertionError(f"the package was asked {args}")

    monkeypatch.setattr(holiday, "_country_holidays", refuse)


def test_reference_answers_are_not_trivial(reference):
    answers, labels = reference
    by_spec = {spec: (names, closed) for spec, names, closed in answers}
    assert date(2021, 12, 31) in by_spec[HolidaySpec("US")][1][2021]
    assert by_spec[HolidaySpec("CA", "ON", include=("Boxing Day (observed)", "Christmas Day"))][
        1][2026] == {date(2026, 12, 25), date(2026, 12, 28)}
    assert date(2027, 12, 28) not in by_spec[HolidaySpec("GB", "ENG", observed=False)][1][2027]
    assert date(2027, 12, 28) in by_spec[HolidaySpec("GB", "ENG")][1][2027]
    assert date(2026, 6, 4) in by_spec[HolidaySpec("DE", "BY")][1][2026]  # Corpus Christi
    assert (by_spec[HolidaySpec("US", categories=("public", "unofficial"))][1][2026]
            > by_spec[HolidaySpec("US")][1][2026])
    assert all("%s" in label for label in labels.values())


def test_cold_then_warm_store_answers_as_the_package(tmp_path, reference, monkeypatch):
    answers, labels = reference
    use_store(tmp_path, version="9.9")
    assert _answers() == answers  # cold: asked of the package, kept as it goes
    files = sorted(p.name for p in (tmp_path / "9.9").glob("*.json"))
    assert len(files) == len({_key(s) for s in SPECS})

    use_store(tmp_path, version="9.9")  # a fresh state, as in a new process
    _forbid_package(monkeypatch)
    assert _answers() == answers
    for key, label in labels.items():
        assert _Store.get(key, "label") == label


def test_warm_store_answers_in_a_process_that_never_imports_the_package(tmp_path, reference):
    answers, _ = reference
    use_store(tmp_path, version="v")
    _answers()
    probe = f"""
import sys
from pledgedesk.calendar import HolidaySpec
from pledgedesk.calendar.holiday import HolidayFilter, use_store
use_store({str(tmp_path)!r}, version="v")
spec = HolidaySpec("CA", "ON", include=("Boxing Day (observed)", "Christmas Day"))
print(sorted(d.isoformat() for d in HolidayFilter(spec).closed_dates(2026)))
print(sorted(d.isoformat() for d in HolidayFilter(HolidaySpec("DE", "BY")).closed_dates(2027)))
print("holidays" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60).stdout.splitlines()
    by_spec = {spec: closed for spec, _, closed in answers}
    assert out[0] == str(["2026-12-25", "2026-12-28"])
    assert out[1] == str(sorted(d.isoformat() for d in by_spec[HolidaySpec("DE", "BY")][2027]))
    assert out[2] == "False"


def test_a_store_of_another_version_is_not_used(tmp_path, reference, package_calls):
    answers, _ = reference
    use_store(tmp_path, version="1.0")
    _answers()
    spec = HolidaySpec("US")
    path = _Store._path(_key(spec))
    entry = json.loads(path.read_text())
    entry["years"]["2026"].append(["2026-03-03", "Not A Holiday"])
    path.write_text(json.dumps(entry))
    use_store(tmp_path, version="1.0")
    assert date(2026, 3, 3) in HolidayFilter(spec).closed_dates(2026)  # the store is read

    package_calls.clear()
    use_store(tmp_path, version="2.0")
    assert _answers() == answers
    assert package_calls  # asked of the package, not of version 1.0's files
    assert (tmp_path / "2.0" / path.name).exists()


@pytest.mark.parametrize("content", [
    "",
    '{"years": {"2026": [["2026-01-01", "New Ye',  # a partial write
    "\x00\x01garbage",
    "[]",
    '{"names": "abc"}',
    '{"label": 5}',
    '{"label": "%d observed"}',
    '{"years": {"2026": 5}}',
    '{"years": {"\u00b2": []}}',
    '{"years": {"2026": [["not a date", "x"]]}}',
    '{"years": {"2026": [["2025-01-01", "x"]]}}',
    '{"years": {"2026": [["2026-01-01"]]}}',
])
def test_a_damaged_file_is_ignored_and_replaced(tmp_path, reference, content):
    answers, _ = reference
    use_store(tmp_path, version="v")
    for spec in SPECS:
        path = _Store._path(_key(spec))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    assert _answers() == answers
    for spec in SPECS:
        entry = json.loads(_Store._path(_key(spec)).read_text())
        assert holiday._well_formed(entry)
        assert set(entry["years"]) == {str(y) for y in YEARS}


def test_a_year_not_in_the_store_is_asked_of_the_package_and_kept(tmp_path, reference,
                                                                   package_calls):
    use_store(tmp_path, version="v")
    _answers()
    spec = HolidaySpec("CA", "ON")
    use_store(tmp_path, version="v")
    package_calls.clear()
    closed = HolidayFilter(spec).closed_dates(2031)
    assert len(package_calls) == 1 and package_calls[0][4] == [2030, 2031, 2032]
    use_store(None)
    assert closed == HolidayFilter(spec).closed_dates(2031)
    entry = json.loads((tmp_path / "v" / _Store._path(_key(spec)).name).read_text())
    assert set(entry["years"]) == {*(str(y) for y in YEARS), "2031"}


def test_a_store_that_cannot_be_created_still_answers(tmp_path, reference):
    answers, _ = reference
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    use_store(blocker / "store", version="v")  # a directory under a file: never creatable
    assert _answers() == answers
    assert _answers() == answers
    assert blocker.read_text() == ""


READ_ONLY_PROBE = """
import json, sys
from datetime import date
from pledgedesk.calendar import HolidaySpec
from pledgedesk.calendar.holiday import HolidayFilter, use_store
use_store(sys.argv[1], version="v")
out = {}
for year in (2026, 2035):  # 2026 is in the store, 2035 is not (and cannot be added)
    out[year] = sorted(d.isoformat() for d in HolidayFilter(HolidaySpec("US")).closed_dates(year))
print(json.dumps(out))
"""


def _read_only(command: list[str], directory: Path) -> list[str]:
    """``command`` run where ``directory`` cannot be written: by mode bits, or for root (whom
    mode bits do not stop) under a read-only bind mount of its own."""
    if os.geteuid() != 0:
        return command
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, str(directory), *command]


def test_a_read_only_store_still_answers(tmp_path):
    use_store(tmp_path, version="v")
    HolidayFilter(HolidaySpec("US")).closed_dates(2026)
    use_store(None)
    files = sorted((tmp_path / "v").iterdir())
    before = {p: p.read_bytes() for p in files}
    for path in (tmp_path / "v", *files):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        result = subprocess.run(
            _read_only([sys.executable, "-c", READ_ONLY_PROBE, str(tmp_path)], tmp_path / "v"),
            capture_output=True, text=True, timeout=60,
        )
    finally:
        (tmp_path / "v").chmod(0o755)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    expected = HolidayFilter(HolidaySpec("US"))
    assert out["2026"] == sorted(d.isoformat() for d in expected.closed_dates(2026))
    assert out["2035"] == sorted(d.isoformat() for d in expected.closed_dates(2035))
    assert {p: p.read_bytes() for p in sorted((tmp_path / "v").iterdir())} == before


WRITER = """
import sys
from pledgedesk.calendar import HolidaySpec
from pledgedesk.calendar.holiday import HolidayFilter, use_store
directory, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
use_store(directory, version="v")
flt = HolidayFilter(HolidaySpec("CA", "ON"))
for year in range(first, last):
    flt.closed_dates(year)
"""


def test_concurrent_writers_keep_a_readable_file_with_every_year(tmp_path, reference):
    use_store(tmp_path, version="v")
    spec = HolidaySpec("CA", "ON")
    path = _Store._path(_key(spec))
    use_store(None)
    problems: list[str] = []
    done = threading.Event()

    def read_all_the_time() -> None:
        while not done.is_set():
            try:
                text = path.read_text()
            except FileNotFoundError:
                continue
            try:
                if not holiday._well_formed(json.loads(text)):
                    problems.append(text[:200])
            except ValueError:
                problems.append(text[:200])

    reader = threading.Thread(target=read_all_the_time)
    reader.start()
    try:
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(a), str(b)])
                   for a, b in ((2000, 2040), (2040, 2080))]
        # and threads of this process, on years of their own
        use_store(tmp_path, version="v")
        flt = HolidayFilter(spec)
        threads = [threading.Thread(target=lambda a=a: [flt.closed_dates(y)
                                                        for y in range(a, a + 10)])
                   for a in (1960, 1970)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [w.wait(timeout=60) for w in writers] == [0, 0]
    finally:
        done.set()
        reader.join()
    assert problems == []
    entry = json.loads(path.read_text())
    assert set(entry["years"]) == {str(y) for y in range(1960, 1980)} | {
        str(y) for y in range(2000, 2080)}
    use_store(None)
    reference_filter = HolidayFilter(spec)
    for year in (1965, 2001, 2079):
        assert {date.fromisoformat(d) for d, _ in entry["years"][str(year)]} == (
            reference_filter.closed_dates(year))
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".holidays-")]
