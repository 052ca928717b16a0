"""Small, dependency-free SVG charts for self-contained HTML reports.

Each chart is a function from labelled numbers to an `<svg>` string with a title, axis
labels and a legend, sized for a page and readable without colour (values are labelled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ["#1f5f8b", "#e07b39", "#4c9a2a", "#b8336a", "#7a5195", "#c9a227", "#5b5b5b", "#2a9d8f"]
WIDTH, HEIGHT, MARGIN = 720, 300, 48


def bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    stacked: bool = False,
    y_label: str = "",
) -> str:
    """Vertical bars per category, one colour per series, stacked or side by side."""
    if not categories:
        return _empty(title)
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    top = max((totals if stacked else [max(v) for v in zip(*series.values(), strict=True)]) or [1])
    top = top or 1
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    slot = plot_w / len(categories)
    parts = [_frame(title, y_label, top)]
    names = list(series)
    for i, category in enumerate(categories):
        x0, base = MARGIN + i * slot, 0.0
        for k, name in enumerate(names):
            value = series[name][i]
            height = plot_h * value / top
            if stacked:
                x, w, y = x0 + slot * 0.15, slot * 0.7, HEIGHT - MARGIN - base - height
                base += height
            else:
                w = slot * 0.8 / len(names)
                x, y = x0 + slot * 0.1 + k * w, HEIGHT - MARGIN - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(name)} {escape(category)}: '
                f"{value:g}</title></rect>"
            )
        if len(categories) <= 24 or i % max(1, len(categories) // 12) == 0:
            parts.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{HEIGHT - MARGIN + 14}" font-size="10" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    parts.append(_legend(names))
    return _svg(title, parts)


def horizontal_bars(title: str, values: Mapping[str, float], *, x_label: str = "") -> str:
    """One bar per label, longest first, each with its value written beside it."""
    if not values:
        return _empty(title)
    items = sorted(values.items(), key=lambda kv: -kv[1])
    top = max(v for _, v in items) or 1
    row = 22
    height = 2 * MARGIN + row * len(items)
    label_w = 200
    parts = [
        f'<text x="{WIDTH / 2}" y="20" font-size="14" text-anchor="middle" '
        f'font-weight="bold">{escape(title)}</text>'
    ]
    for i, (label, value) in enumerate(items):
        y = MARGIN + i * row
        w = (WIDTH - label_w - MARGIN - 40) * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11">{value:g}</text>'
        )
    if x_label:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{height - 8}" font-size="11" '
            f'text-anchor="middle">{escape(x_label)}</text>'
        )
    return _svg(title, parts, height)


def _frame(title: str, y_label: str, top: float, low: float = 0.0) -> str:
    axis = HEIGHT - MARGIN
    ticks = "".join(
        f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{axis - (HEIGHT - 2 * MARGIN) * f:.1f}" '
        f'y2="{axis - (HEIGHT - 2 * MARGIN) * f:.1f}" stroke="#ddd"/>'
        f'<text x="{MARGIN - 4}" y="{axis - (HEIGHT - 2 * MARGIN) * f + 4:.1f}" font-size="10" '
        f'text-anchor="end">{low + (top - low) * f:.4g}</text>'
        for f in (0, 0.25, 0.5, 0.75, 1)
    )
    return (
        f'<text x="{WIDTH / 2}" y="20" font-size="14" text-anchor="middle" font-weight="bold">'
        f"{escape(title)}</text>{ticks}"
        f'<text x="12" y="{HEIGHT / 2}" font-size="11" transform="rotate(-90 12 {HEIGHT / 2})" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )


def _legend(names: Sequence[str]) -> str:
    if len(names) < 2:
        return ""
    items: list[str] = []
    x, y = float(MARGIN), HEIGHT - 16
    for i, name in enumerate(names):
        width = 24 + 6.5 * len(name)
        if x + width > WIDTH:  # wrap onto a second line rather than overlap
            x, y = float(MARGIN), y + 14
        items.append(
            f'<rect x="{x:.0f}" y="{y}" width="10" height="10" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{x + 14:.0f}" y="{y + 9}" '
            f'font-size="11">{escape(name)}</text>'
        )
        x += width
    return "".join(items)


def _svg(title: str, parts: Sequence[str], height: int = HEIGHT + 16) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">{"".join(parts)}</svg>'
    )


def _empty(title: str) -> str:
    return _svg(
        title,
        [
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            f"{escape(title)}: no data yet</text>"
        ],
    )


def steps(title: str, points: Sequence[tuple[str, float, str]], *, low: float, high: float) -> str:
    """A score over time as a step line; each change is a dot titled with its cause."""
    if not points:
        return _empty(title)
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    span = (high - low) or 1

    def y(value: float) -> float:
        return HEIGHT - MARGIN - plot_h * (value - low) / span

    def x(i: int) -> float:
        return MARGIN + plot_w * i / max(1, len(points) - 1)

    path, parts = [], [_frame(title, "score", high, low)]
    for i, (_, value, _) in enumerate(points):
        if i:
            path.append(f"L{x(i):.1f},{y(points[i - 1][1]):.1f}")
        path.append(f"{'M' if not i else 'L'}{x(i):.1f},{y(value):.1f}")
    parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for i, (label, value, cause) in enumerate(points):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="{PALETTE[1]}">'
            f"<title>{escape(label)}: {value:g} {escape(cause)}</title></circle>"
        )
        if len(points) <= 12 or i % max(1, len(points) // 10) == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - MARGIN + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(title, parts)
