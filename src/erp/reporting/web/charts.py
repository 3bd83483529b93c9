"""Small SVG charts drawn on the server: horizontal bars, grouped columns, a P&L bridge."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

PALETTE = ("#3867d6", "#20bf6b", "#f7b731", "#eb3b5a", "#8854d0", "#0fb9b1")
INK, MUTED, GRID = "#1e272e", "#6b7785", "#e6e9ee"


def short(value: Decimal | float) -> str:
    """12345.6 → 12.3k; for axis labels."""
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".removesuffix(".0") + suffix
    return f"{number:.0f}"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def nice_max(value: float, ticks: int = 4) -> float:
    """A round axis maximum at or above `value`, whose `ticks` steps are round too."""
    if value <= 0:
        return float(ticks)
    raw = value / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= raw:
            return float(step * magnitude * ticks)
    return float(10 * magnitude * ticks)


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def empty(label: str, message: str = "No data yet") -> str:
    body = (
        f'<text x="200" y="60" text-anchor="middle" fill="{MUTED}" font-size="14">'
        f"{escape(message)}</text>"
    )
    return _svg(400, 110, body, label)


def horizontal_bars(items: Sequence[tuple[str, Decimal]], *, label: str) -> str:
    if not items:
        return empty(label)
    row, left, width = 34, 110, 560
    height = row * len(items) + 16
    top = max(float(v) for _, v in items)
    scale = nice_max(top)
    parts = []
    for i, (name, value) in enumerate(items):
        y = 8 + i * row
        length = max(float(value), 0) / scale * (width - left - 110)
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{left - 10}" y="{y + 19}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="22" rx="4" '
            f'fill="{color}"><title>{escape(name)}: {money(value)}</title></rect>'
            f'<text x="{left + length + 8:.1f}" y="{y + 19}" font-size="12" '
            f'fill="{MUTED}">{money(value)}</text>'
        )
    return _svg(width, height, "".join(parts), label)


def grouped_columns(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *, label: str
) -> str:
    if not categories:
        return empty(label)
    width, height, left, bottom, top_pad = 680, 260, 52, 40, 28
    plot_w, plot_h = width - left - 12, height - bottom - top_pad
    values = [float(v) for _, vs in series for v in vs]
    high = nice_max(max([*values, 0.0]))
    low = min([*values, 0.0])
    low = -nice_max(-low) if low < 0 else 0.0
    span = high - low
    parts = []
    for k in range(5):
        tick = low + span * k / 4
        y = top_pad + plot_h - (tick - low) / span * plot_h
        parts.append(
            f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{short(tick)}</text>'
        )
    zero_y = top_pad + plot_h - (0 - low) / span * plot_h
    slot = plot_w / len(categories)
    bar = min(28.0, slot * 0.8 / max(len(series), 1))
    for c, name in enumerate(categories):
        x0 = left + c * slot + (slot - bar * len(series)) / 2
        for s, (series_name, vs) in enumerate(series):
            v = float(vs[c])
            y = top_pad + plot_h - (v - low) / span * plot_h
            y_top, h = (y, zero_y - y) if v >= 0 else (zero_y, y - zero_y)
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{y_top:.1f}" width="{bar - 2:.1f}" '
                f'height="{max(h, 0.5):.1f}" rx="2" fill="{PALETTE[s]}">'
                f"<title>{escape(name)} {escape(series_name)}: {money(vs[c])}</title></rect>"
            )
        parts.append(
            f'<text x="{left + c * slot + slot / 2:.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle" font-size="11" fill="{MUTED}">{escape(name)}</text>'
        )
    legend_x = left
    for s, (series_name, _) in enumerate(series):
        parts.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" rx="2" fill="{PALETTE[s]}"/>'
            f'<text x="{legend_x + 17}" y="16" font-size="12" fill="{INK}">'
            f"{escape(series_name)}</text>"
        )
        legend_x += 24 + 8 * len(series_name)
    return _svg(width, height, "".join(parts), label)


def bridge(income: Decimal, expense: Decimal, *, label: str) -> str:
    """Income, less expenses, equals profit: three columns in a row."""
    width, height, left, bottom, top_pad = 420, 230, 20, 34, 16
    plot_h = height - bottom - top_pad
    profit = income - expense
    high = nice_max(max(float(income), float(expense), float(profit), 0.0))
    low = min(float(profit), 0.0)
    span = high - low or 1.0

    def y(v: float) -> float:
        return top_pad + plot_h - (v - low) / span * plot_h

    steps = [
        ("Income", 0.0, float(income), PALETTE[1]),
        ("Expenses", float(income) - float(expense), float(income), PALETTE[3]),
        ("Profit", min(0.0, float(profit)), max(0.0, float(profit)), PALETTE[0]),
    ]
    amounts = [income, -expense, profit]
    parts = [
        f'<line x1="{left}" x2="{width - 10}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{GRID}"/>'
    ]
    slot = (width - left - 10) / 3
    for i, (name, lo, hi, color) in enumerate(steps):
        x = left + i * slot + slot * 0.18
        w = slot * 0.64
        parts.append(
            f'<rect x="{x:.1f}" y="{y(hi):.1f}" width="{w:.1f}" '
            f'height="{max(y(lo) - y(hi), 0.5):.1f}" rx="3" fill="{color}">'
            f"<title>{name}: {money(amounts[i])}</title></rect>"
            f'<text x="{x + w / 2:.1f}" y="{max(y(hi) - 6, 12):.1f}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{short(amounts[i])}</text>'
            f'<text x="{x + w / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="12" '
            f'fill="{MUTED}">{name}</text>'
        )
    return _svg(width, height, "".join(parts), label)


def level_bar(on_hand: Decimal, point: Decimal) -> str:
    """A small gauge: stock on hand against its reorder point."""
    width = 140
    scale = max(float(point) * 1.5, float(on_hand), 1.0)
    filled = max(float(on_hand), 0) / scale * width
    mark = float(point) / scale * width
    color = PALETTE[3] if on_hand <= 0 else PALETTE[2]
    return (
        f'<svg class="gauge" viewBox="0 0 {width} 14" width="{width}" height="14" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<rect width="{width}" height="14" rx="7" fill="{GRID}"/>'
        f'<rect width="{filled:.1f}" height="14" rx="7" fill="{color}"/>'
        f'<line x1="{mark:.1f}" x2="{mark:.1f}" y1="0" y2="14" stroke="{INK}" stroke-width="2"/>'
        "</svg>"
    )
