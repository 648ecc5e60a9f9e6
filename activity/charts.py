"""Bar charts drawn on the server as SVG geometry (pure Python, no Django): the template draws
the rectangles, the axis and the legend; the data table beside each chart is its text
alternative. Readable without JavaScript, printable, no chart library to keep up to date."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 720
HEIGHT = 260
LEFT = 86  # room for the values of the axis
RIGHT = 12
TOP = 14
BOTTOM = 44  # room for the categories


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # its colour: ``chart__bar--<series>``
    title: str  # shown on hover (and read by screen readers that go inside the image)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    right: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    legend: list[tuple[int, str]]
    empty: bool


def nice_maximum(value: float) -> float:
    """The top of the axis: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover (the loop ends at 10)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | int | float | None]]],
    *,
    formatter: Callable[[float], str] = lambda value: f"{value:g}",
    maximum: float | None = None,
    ticks: int = 4,
    label_every: int = 1,
    integer: bool = False,
) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series (None: no bar).
    ``integer``: counts, whose axis shows whole numbers only."""
    values = [float(value) for _name, points in series for value in points if value is not None]
    top = maximum if maximum is not None else nice_maximum(max(values, default=0))
    if integer and maximum is None:
        top = math.ceil(max(top, ticks) / ticks) * ticks
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    group = plot_width / max(len(categories), 1)
    bar_width = group * 0.8 / max(len(series), 1)
    bars = []
    for index, category in enumerate(categories):
        for number, (name, points) in enumerate(series):
            value = points[index]
            if value is None:
                continue
            height = plot_height * min(float(value), top) / top if top else 0
            x = LEFT + index * group + group * 0.1 + number * bar_width
            bars.append(Bar(x=round(x, 1), y=round(baseline - height, 1), width=round(max(bar_width - 1, 1), 1),
                            height=round(height, 1), series=number + 1,
                            title=f"{category} — {name} : {formatter(float(value))}"))
    axis = [Tick(y=round(baseline - plot_height * step / ticks, 1), label=formatter(top * step / ticks))
            for step in range(ticks + 1)]
    labels = [Label(x=round(LEFT + index * group + group / 2, 1), text=category)
              for index, category in enumerate(categories) if index % label_every == 0]
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, baseline=baseline, right=WIDTH - RIGHT, bars=bars,
                 ticks=axis, labels=labels, legend=[(number + 1, name) for number, (name, _p) in enumerate(series)],
                 empty=not any(values))
