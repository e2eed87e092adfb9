"""Geometry for the report's inline SVG charts: numbers only, drawn by the template.

Keeping the arithmetic here (and the markup in the template) means no markup is ever built
from strings in Python, so autoescaping covers the charts like everything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ROW_HEIGHT = 30
# Module constants, not class defaults: slotted dataclasses turn defaults into descriptors.
RING_RADIUS = 66
BAR_MAX = 320


@dataclass(frozen=True, slots=True)
class Ring:
    """A score gauge: a circle whose stroke covers `dash` of its `circumference`."""

    score_text: str
    grade: str
    tone: str
    dash: float
    circumference: float
    size: int = 160
    radius: int = RING_RADIUS
    stroke: int = 16


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a horizontal bar chart, positioned in the chart's coordinates."""

    label: str
    value_text: str
    tone: str
    text_y: float
    bar_y: float
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart: labels on the left, bars in the middle, values on the right."""

    title: str
    bars: tuple[Bar, ...]
    height: float
    width: int = 600
    bar_x: int = 210
    bar_max: int = BAR_MAX
    bar_height: int = 16
    value_x: int = 540


def format_score(score: float) -> str:
    """A 0-100 score as a whole number, halves rounded up (72.5 reads 73, not 72), and 100
    only when nothing failed: 99.6 reads 99, since a perfect-looking score over failing
    checks would say the site has nothing left to fix. The CLI and the HTML report both
    show scores through this."""
    return str(min(math.floor(score + 0.5), 99 if score < 100 else 100))


def make_ring(score: float | None, grade: str, tone: str) -> Ring:
    """The gauge for a 0-100 score; an empty ring reading N/A when there is no score."""
    circumference = round(2 * math.pi * RING_RADIUS, 2)
    if score is None or not math.isfinite(score):
        return Ring("N/A", grade, tone, 0.0, circumference)
    fraction = min(max(score, 0.0), 100.0) / 100.0
    return Ring(format_score(score), grade, tone, round(circumference * fraction, 2), circumference)


def make_bar_chart(title: str, rows: list[tuple[str, str, str, float | None]]) -> BarChart:
    """A chart of (label, value text, tone, fraction 0-1 or None for N/A) rows."""
    bars = []
    for index, (label, value_text, tone, fraction) in enumerate(rows):
        top = index * ROW_HEIGHT
        share = 0.0 if fraction is None or not math.isfinite(fraction) else fraction
        width = round(BAR_MAX * min(max(share, 0.0), 1.0), 2)
        bars.append(Bar(label, value_text, tone, top + 20, top + 7, width))
    return BarChart(title=title, bars=tuple(bars), height=max(len(rows), 1) * ROW_HEIGHT)
