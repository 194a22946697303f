"""Small bar charts drawn as inline SVG on the server (no scripts, no external assets)."""

from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 480, height: int = 200,
              label_every: int = 1) -> Markup:
    """Vertical bars, one per (label, value), with the value above each bar and the labels below."""
    top, bottom, left = 18, 28, 8
    plot_height = height - top - bottom
    highest = max((value for _, value in items), default=0) or 1
    slot = (width - 2 * left) / max(1, len(items))
    bar = max(2.0, slot * 0.7)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_height}" x2="{width - left}" y2="{top + plot_height}" '
             f'class="axis"/>']
    for index, (label, value) in enumerate(items):
        bar_height = plot_height * (value / highest)
        x = left + index * slot + (slot - bar) / 2
        y = top + plot_height - bar_height
        centre = x + bar / 2
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bar_height:.1f}">'
                     f'<title>{escape(label)}: {escape(_number(value))}</title></rect>')
        if value:
            parts.append(f'<text class="value" x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                         f'{escape(_number(value))}</text>')
        if index % label_every == 0:
            parts.append(f'<text class="label" x="{centre:.1f}" y="{height - 10}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
