"""Small bar charts drawn as inline SVG on the server (no scripts, no external assets): the console's report page
and the PDF circular draw the same charts."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def _open(width: int, height: int, title: str, style: str) -> list[str]:
    """The chart's <svg> start; `style` is CSS carried inside it, for renderers (WeasyPrint) that do not apply the
    page's CSS to inline SVG."""
    return [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg">' + (f"<style>{style}</style>" if style else "") +
            f"<title>{escape(title)}</title>"]


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 480, height: int = 200,
              label_every: int = 1, style: str = "") -> Markup:
    """Vertical bars, one per (label, value), with the value above each bar and the labels below."""
    top, bottom, left = 18, 28, 8
    plot_height = height - top - bottom
    highest = max((value for _, value in items), default=0) or 1
    slot = (width - 2 * left) / max(1, len(items))
    bar = max(2.0, slot * 0.7)
    parts = _open(width, height, title, style)
    parts.append(f'<line x1="{left}" y1="{top + plot_height}" x2="{width - left}" y2="{top + plot_height}" '
                 f'class="axis"/>')
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


def row_chart(items: Sequence[tuple[str, float, str]], *, title: str, width: int = 480, label_width: int = 170,
              row_height: int = 22, style: str = "") -> Markup:
    """Horizontal bars, one per (label, value, value as written), for long labels such as department names."""
    top, right = 6, 56
    height = top * 2 + row_height * max(1, len(items))
    highest = max((value for _, value, _ in items), default=0) or 1
    plot_width = width - label_width - right
    parts = _open(width, height, title, style)
    parts.append(f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - top}" class="axis"/>')
    for index, (label, value, written) in enumerate(items):
        y = top + index * row_height
        length = plot_width * (value / highest)
        middle = y + row_height / 2 + 4
        parts.append(f'<text class="label" x="{label_width - 6}" y="{middle:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y + 3:.1f}" width="{length:.1f}" '
                     f'height="{row_height - 6}"><title>{escape(label)}: {escape(written)}</title></rect>')
        parts.append(f'<text class="value" x="{label_width + length + 4:.1f}" y="{middle:.1f}">'
                     f'{escape(written)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
