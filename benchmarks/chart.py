"""An SVG chart of a benchmark run: build time against events, one line per generator, cold and warm.

`write_chart(results, machine, path)` is called by run.py at the end of a run (and by `run.py --report FILE
--chart OUT`). Plain SVG 1.1 made by this code: both axes logarithmic (sizes from 1,000 to 20,000 and times
from a fraction of a second to minutes fit one picture), the medians as points joined by lines, a legend, and
a <title> and <desc> that say in words what the picture shows, for screen readers and for anyone who cannot
see it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 210, 50, 60  # margins: the legend sits on the right
# Colours told apart by people with the commonest colour blindness (Okabe and Ito), and dashes as well.
STYLES = {
    "ours": ("#0072B2", ""),
    "ours warm": ("#0072B2", "6 4"),
    "hugo": ("#D55E00", ""),
    "hugo+pagefind": ("#D55E00", "2 3"),
    "eleventy": ("#009E73", ""),
    "eleventy+pagefind": ("#009E73", "2 3"),
    "pelican": ("#CC79A7", ""),
    "pelican+pagefind": ("#CC79A7", "2 3"),
}
NAMES = {"ours": "this project (cold)", "ours warm": "this project (warm)"}


def _name(tool: str) -> str:
    return NAMES.get(tool, tool.replace("+", " + ") + " (cold)")


def lines_of(results: list[Any]) -> dict[str, list[tuple[int, float]]]:
    """Each line of the chart: (events, median wall seconds), by the legend's key, in size order."""
    lines: dict[str, list[tuple[int, float]]] = {}
    for summary in results:
        if summary.kind == "cold":
            key = summary.tool
        elif summary.kind == "warm" and summary.tool == "ours":
            key = "ours warm"
        else:
            continue
        wall = summary.median("wall")
        if wall:
            lines.setdefault(key, []).append((summary.size, wall))
    order = list(STYLES)
    return {
        key: sorted(points)
        for key, points in sorted(lines.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    }


def _ticks(low: float, high: float) -> list[float]:
    """1, 2, 5 times the powers of ten that fall between low and high."""
    ticks = []
    for power in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            value = step * 10**power
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def svg(results: list[Any], machine: dict) -> str:
    """The chart as an SVG document."""
    lines = lines_of(results)
    points = [p for line in lines.values() for p in line]
    title = "Build time against events"
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="80" role="img" '
            f'aria-labelledby="t"><title id="t">{title}: no build succeeded</title></svg>\n'
        )
    sizes = sorted({size for size, _ in points})
    low_x, high_x = min(sizes) / 1.25, max(sizes) * 1.25
    low_y = 10 ** math.floor(math.log10(min(t for _, t in points)))
    high_y = 10 ** math.ceil(math.log10(max(t for _, t in points)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(size: float) -> float:
        return LEFT + plot_w * (math.log(size) - math.log(low_x)) / (math.log(high_x) - math.log(low_x))

    def y(seconds: float) -> float:
        return TOP + plot_h * (1 - (math.log(seconds) - math.log(low_y)) / (math.log(high_y) - math.log(low_y)))

    said = "; ".join(
        f"{_name(key)}: " + ", ".join(f"{_label(size)} events {wall:.2f} s" for size, wall in line)
        for key, line in lines.items()
    )
    desc = (
        f"Median wall-clock seconds of a build (lower is faster) against the number of events, both axes "
        f"logarithmic, on {machine.get('cpu', 'this machine')} with {machine.get('cores', '?')} cores, "
        f"started {machine.get('started', '')}. {said}."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold" fill="#111">{escape(title)} '
        f"(median wall seconds, lower is faster)</text>",
    ]
    for value in _ticks(low_y, high_y):
        at = y(value)
        out.append(f'<line x1="{LEFT}" y1="{at:.1f}" x2="{LEFT + plot_w}" y2="{at:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{at + 4:.1f}" text-anchor="end" fill="#333">{_label(value)}</text>')
    for size in sizes:
        at = x(size)
        out.append(f'<line x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{at:.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" fill="#333">{_label(size)}</text>')
    out += [
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 18}" text-anchor="middle" fill="#111">events</text>',
        f'<text transform="translate(18 {TOP + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'fill="#111">seconds</text>',
    ]
    for n, (key, line) in enumerate(lines.items()):
        colour, dash = STYLES.get(key, ("#555555", "1 2"))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x(size):.1f},{y(wall):.1f}" for size, wall in line)
        out.append(f"<g><title>{escape(_name(key))}</title>")
        if len(line) > 1:
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>')
        for size, wall in line:
            out.append(
                f'<circle cx="{x(size):.1f}" cy="{y(wall):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(_name(key))}: {_label(size)} events, {wall:.2f} s</title></circle>"
            )
        out.append("</g>")
        legend_y = TOP + 10 + n * 22
        legend_x = LEFT + plot_w + 16
        out.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 26}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        out.append(f'<text x="{legend_x + 32}" y="{legend_y + 4}" fill="#111">{escape(_name(key))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_chart(results: list[Any], machine: dict, path: Path) -> None:
    """Write the chart of these results to path."""
    path.write_text(svg(results, machine), encoding="utf-8")
