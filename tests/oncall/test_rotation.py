"""The pure rotation arithmetic: hand-offs in wall time across DST, restrictions that count
turns only inside their hours, layers, swaps and overrides."""

from __future__ import annotations

import ast
import itertools
import pathlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pledgedesk.oncall import rotation
from pledgedesk.oncall.rotation import Layer, Override, Rota, Swap, Window

A, B, C, D = 1, 2, 3, 4
LONDON, NEW_YORK = "Europe/London", "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(members, handoff, *, level=0, key=1, every=1, restriction=()):
    return Layer(key=key, level=level, members=tuple(members), every=every, unit="weeks",
                 handoff=handoff, restriction=restriction)


def local_starts(shifts, zone):
    return [s.start.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for s in shifts]


# --- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "spring", "autumn"), [
    (LONDON, datetime(2026, 3, 9, 8), datetime(2026, 10, 12, 8)),
    (NEW_YORK, datetime(2026, 2, 23, 8), datetime(2026, 10, 19, 8)),
])
def test_weekly_monday_handoff_stays_at_eight_local_across_both_changes(zone, spring, autumn):
    for anchor in (spring, autumn):
        rota = Rota(zone=zone, layers=(weekly([A, B], anchor),))
        shifts = rotation.timeline(rota, rotation.to_instant(anchor, ZoneInfo(zone)),
                                   rotation.to_instant(anchor + timedelta(weeks=4),
                                                       ZoneInfo(zone)))
        starts = local_starts(shifts, zone)
        assert all(s.startswith("Mon") and s.endswith("08:00") for s in starts), starts
        assert [s.agent for s in shifts] == [A, B, A, B]
        lengths = {(s.end - s.start) / timedelta(hours=1) for s in shifts}
        # the week with the change is one real hour shorter (spring) or longer (autumn)
        assert lengths == ({167.0, 168.0} if anchor is spring else {168.0, 169.0})


def test_london_offsets_of_the_handoff_before_and_after_each_change():
    rota = Rota(zone=LONDON, layers=(weekly([A, B], datetime(2026, 3, 23, 8)),))
    spring = rotation.timeline(rota, utc(2026, 3, 23), utc(2026, 4, 7))
    assert [s.start for s in spring] == [utc(2026, 3, 23, 8), utc(2026, 3, 30, 7),
                                         utc(2026, 4, 6, 7)]
    autumn = rotation.timeline(rota, utc(2026, 10, 19), utc(2026, 10, 28))
    assert [s.start for s in autumn][1:] == [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8)]


def test_handoff_inside_the_missing_spring_hour_and_the_repeated_autumn_hour():
    # New York: 02:30 does not exist on 2026-03-08 and 01:30 happens twice on 2026-11-01.
    daily = Layer(key=1, level=0, members=(A, B), every=1, unit="days",
                  handoff=datetime(2026, 3, 6, 2, 30))
    rota = Rota(zone=NEW_YORK, layers=(daily,))
    shifts = rotation.timeline(rota, utc(2026, 3, 7, 12), utc(2026, 3, 10, 12))
    assert all(a.end == b.start for a, b in itertools.pairwise(shifts))
    # the missing 02:30 keeps the offset before the change (EST): 07:30 UTC
    assert utc(2026, 3, 8, 7, 30) in [s.start for s in shifts]
    fall = Layer(key=1, level=0, members=(A, B), every=1, unit="days",
                 handoff=datetime(2026, 10, 30, 1, 30))
    shifts = rotation.timeline(Rota(zone=NEW_YORK, layers=(fall,)), utc(2026, 10, 31, 12),
                               utc(2026, 11, 2, 12))
    assert utc(2026, 11, 1, 5, 30) in [s.start for s in shifts]  # first 01:30 (EDT)


def test_no_shift_before_the_first_handoff():
    rota = Rota(zone=LONDON, layers=(weekly([A], datetime(2026, 6, 1, 8)),))
    assert rotation.on_call_at(rota, utc(2026, 6, 1, 6)) is None
    assert rotation.on_call_at(rota, utc(2026, 6, 1, 7)).agent == A  # 08:00 BST


# --- restrictions ---------------------------------------------------------------------------


def test_a_restricted_rotation_counts_turns_only_inside_its_hours():
    # OneUptime#2413: daily turns, Mon-Fri 09:00-19:00; Friday's engineer is not Monday's.
    weekdays = (Window(days=frozenset(range(5)), start=time(9), end=time(19)),)
    layer = Layer(key=1, level=0, members=(A, B, C), every=1, unit="days",
                  handoff=datetime(2026, 6, 1, 9), restriction=weekdays)
    shifts = rotation.timeline(Rota(zone=LONDON, layers=(layer,)), utc(2026, 6, 1),
                               utc(2026, 6, 16))
    days = [(s.start.astimezone(ZoneInfo(LONDON)).strftime("%a %d %H:%M"), s.agent)
            for s in shifts]
    assert days[:7] == [("Mon 01 09:00", A), ("Tue 02 09:00", B), ("Wed 03 09:00", C),
                        ("Thu 04 09:00", A), ("Fri 05 09:00", B), ("Mon 08 09:00", C),
                        ("Tue 09 09:00", A)]
    assert all((s.end - s.start) == timedelta(hours=10) for s in shifts)


def test_an_overnight_restriction_runs_into_the_next_day():
    nights = (Window(days=frozenset({4}), start=time(18), end=time(8)),)  # Fri 18:00-Sat 08:00
    layer = weekly([A, B], datetime(2026, 6, 1, 8), restriction=nights)
    shifts = rotation.timeline(Rota(zone="UTC", layers=(layer,)), utc(2026, 6, 1),
                               utc(2026, 6, 15))
    assert [(s.start, s.end, s.agent) for s in shifts] == [
        (utc(2026, 6, 5, 18), utc(2026, 6, 6, 8), A),
        (utc(2026, 6, 12, 18), utc(2026, 6, 13, 8), B)]


# --- layers, swaps, overrides ---------------------------------------------------------------


def _two_layers():
    base = weekly([A, B], datetime(2026, 6, 1, 8), key=1, level=0)
    nights = Layer(key=2, level=1, members=(C,), every=1, unit="weeks",
                   handoff=datetime(2026, 6, 1, 8),
                   restriction=(Window(days=frozenset(range(7)), start=time(22),
                                       end=time(6)),))
    return base, nights


def test_a_higher_layer_overrides_a_lower_one_only_where_it_has_shifts():
    base, nights = _two_layers()
    rota = Rota(zone="UTC", layers=(base, nights))
    assert rotation.on_call_at(rota, utc(2026, 6, 2, 23)).agent == C
    assert rotation.on_call_at(rota, utc(2026, 6, 2, 12)).agent == A
    assert rotation.responders_at(rota, utc(2026, 6, 2, 23)) == [C, A]
    assert rotation.responders_at(rota, utc(2026, 6, 9, 12)) == [B]


def test_an_override_wins_over_every_layer_and_is_used_for_paging_too():
    base, nights = _two_layers()
    cover = Override(agent=D, start=utc(2026, 6, 2, 20), end=utc(2026, 6, 3, 2))
    rota = Rota(zone="UTC", layers=(base, nights), overrides=(cover,))
    shifts = rotation.timeline(rota, utc(2026, 6, 2, 12), utc(2026, 6, 3, 12))
    assert [(s.agent, s.start.hour, s.end.hour, s.source) for s in shifts] == [
        (A, 12, 20, "rotation"), (D, 20, 2, "override"), (C, 2, 6, "rotation"),
        (A, 6, 12, "rotation")]
    assert rotation.responders_at(rota, utc(2026, 6, 2, 23)) == [D, C, A]


def test_a_swap_exchanges_the_two_agents_inside_its_period_only():
    rota = Rota(zone="UTC", layers=(weekly([A, B], datetime(2026, 6, 1, 8)),),
                swaps=(Swap(first=A, second=B, start=utc(2026, 6, 6), end=utc(2026, 6, 13)),))
    shifts = rotation.timeline(rota, utc(2026, 6, 1, 8), utc(2026, 6, 15, 8))
    assert [(s.agent, s.start.day, s.end.day, s.source) for s in shifts] == [
        (A, 1, 6, "rotation"), (B, 6, 8, "swap"), (A, 8, 13, "swap"), (B, 13, 15, "rotation")]
    assert shifts[1].covering == (A,)


def test_gaps_are_what_no_shift_covers():
    nights = weekly([A], datetime(2026, 6, 1, 0),
                    restriction=(Window(days=frozenset(range(7)), start=time(22),
                                        end=time(6)),))
    rota = Rota(zone="UTC", layers=(nights,))
    shifts = rotation.timeline(rota, utc(2026, 6, 2, 12), utc(2026, 6, 3, 12))
    assert rotation.gaps(shifts, utc(2026, 6, 2, 12), utc(2026, 6, 3, 12)) == [
        (utc(2026, 6, 2, 12), utc(2026, 6, 2, 22)), (utc(2026, 6, 3, 6), utc(2026, 6, 3, 12))]


def test_overrides_entered_as_dates_start_at_midnight_of_the_schedules_zone():
    assert rotation.wall_instant(datetime(2026, 7, 1), NEW_YORK) == utc(2026, 7, 1, 4)
    assert rotation.wall_instant(utc(2026, 7, 1, 9), NEW_YORK) == utc(2026, 7, 1, 9)


def test_rotation_math_imports_no_django():
    source = pathlib.Path(rotation.__file__).read_text()
    modules = {n.module or "" for n in ast.walk(ast.parse(source))
               if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import)
                for a in n.names}
    assert modules <= {"__future__", "collections.abc", "dataclasses", "datetime", "math",
                       "zoneinfo"}
