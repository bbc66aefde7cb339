"""The Insights page's chart: findings by code over time as an inline SVG, drawn here on the
server (no script, no CDN; the page's Content-Security-Policy allows no other)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from assistant.insights import Timeline

# Colour-blind-safe (Okabe-Ito), then grey for the codes folded into "other".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER = "#999999"
SHOWN = 6  # codes drawn by name; the rest stack as "other"
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 34


def chart_series(timeline: Timeline) -> list[tuple[str, str, list[int]]]:
    """(label, colour, counts) per stacked layer: the largest codes, then "other"."""
    layers = [
        (s.code, PALETTE[i % len(PALETTE)], s.counts) for i, s in enumerate(timeline.series[:SHOWN])
    ]
    rest = timeline.series[SHOWN:]
    if rest:
        other = [sum(s.counts[i] for s in rest) for i in range(len(timeline.periods))]
        layers.append((f"other ({len(rest)} codes)", OTHER, other))
    return layers


def _nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (1 at least)."""
    top = 1
    while True:
        for m in (1, 2, 5):
            if top * m >= value:
                return top * m
        top *= 10


def chart_svg(timeline: Timeline) -> Markup:
    """A stacked bar per period; each bar segment has a <title> (code, period, count)."""
    layers = chart_series(timeline)
    periods = timeline.periods
    totals = timeline.totals
    peak = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(periods), 1)
    bar = max(slot * 0.75, 1.0)
    unit = "week of" if timeline.bucket == "week" else "day"
    parts = [
        f'<svg class="chart" id="findings-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">',
        f'<title id="chart-title">Findings by code per {timeline.bucket}, '
        f"{sum(totals)} in all</title>",
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = TOP + plot_h - plot_h * tick / peak
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555555">{tick}</text>'
        )
    for i, period in enumerate(periods):
        x = LEFT + i * slot + (slot - bar) / 2
        base = float(TOP + plot_h)
        for label, colour, counts in layers:
            n = counts[i]
            if n <= 0:
                continue
            h = plot_h * n / peak
            base -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}" data-code="{escape(label)}" '
                f'data-period="{period.isoformat()}" data-count="{n}">'
                f"<title>{escape(label)}: {n} ({unit} {period.isoformat()})</title></rect>"
            )
    every = max(1, len(periods) // 8)
    for i, period in enumerate(periods):
        if i % every:
            continue
        x = LEFT + i * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
            f'fill="#555555">{period.strftime("%d %b")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built here from escaped text and numbers
