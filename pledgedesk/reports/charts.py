"""Geometry of the reports' column charts, drawn by the server as SVG (issue 19: no script,
the CSP stays ``script-src 'self'``). Pure: numbers in, rectangles out; the template draws
them and puts the same numbers in a table beside the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HEIGHT = 160  # plot height in px
TOP = 14  # room for the scale label
BOTTOM = 30  # room for the x labels
LEFT = 40


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    value: float
    series: int  # index into the chart's series (its colour and legend)
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    columns: list[Column]
    ticks: list[tuple[str, float, float]]  # x label, its x, y (every few groups)
    top: float  # the value of the scale's top line
    series: list[str]
    baseline: float
    left: int = LEFT


def _ceiling(value: float) -> float:
    """A round scale top at or above ``value`` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    while scale > value * 10:
        scale /= 10
    return next(m * scale for m in (1, 2, 5, 10) if m * scale >= value)


def columns(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str], *,
            width: int = 720, top: float | None = None, labels_every: int = 0) -> Chart:
    """One group of side-by-side columns per (x label, values), a value per series (None
    draws nothing). ``top`` fixes the scale (100 for percentages)."""
    n = max(1, len(groups))
    slot = (width - LEFT) / n
    each = max(1.0, slot * 0.8 / max(1, len(series)))
    values = [v for _, vs in groups for v in vs if v is not None]
    scale_top = top if top is not None else _ceiling(max(values, default=0))
    baseline = TOP + HEIGHT
    out = []
    for i, (label, vs) in enumerate(groups):
        for j, v in enumerate(vs):
            if v is None:
                continue
            h = HEIGHT * min(v, scale_top) / scale_top
            out.append(Column(x=round(LEFT + i * slot + slot * 0.1 + j * each, 2),
                              y=round(baseline - h, 2), width=round(each, 2),
                              height=round(h, 2), value=v, series=j, label=label))
    every = labels_every or max(1, n // 8)
    ticks = [(label, round(LEFT + i * slot, 2), baseline + 16)
             for i, (label, _) in enumerate(groups) if i % every == 0]
    return Chart(width=width, height=baseline + BOTTOM, columns=out, ticks=ticks,
                 top=scale_top, series=list(series), baseline=baseline)
