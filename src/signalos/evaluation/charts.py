"""Inline SVG charts for the HTML report: drawn in Python, no library, no network.

Every mark carries ``data-*`` attributes with the figure it draws, so a test (or a reader's
tooling) can check the picture against the JSON.
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#3b6ea5"
GRID = "#d9dee5"


def _fmt(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def hbar_chart(items: Sequence[tuple[str, float]], *, title: str, max_value: float = 1.0,
               kind: str = "f1") -> str:
    """Horizontal bars, one per (label, value), values in [0, max_value]."""
    row_h, label_w, bar_w, pad = 24, 140, 360, 8
    height = pad * 2 + row_h * max(len(items), 1) + 20
    width = label_w + bar_w + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" data-chart="{escape(kind)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + bar_w * tick
        parts.append(f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{height - 20}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
                     f'{_fmt(tick * max_value)}</text>')
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = bar_w * (min(max(value, 0.0), max_value) / max_value if max_value else 0.0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{BAR}" '
                     f'data-label="{escape(label)}" data-value="{value}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="11">{value:.4f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def matrix_chart(rows: Sequence[str], cols: Sequence[str], matrix: dict[str, dict[str, int]], *,
                 title: str) -> str:
    """A confusion matrix: rows labelled, columns predicted, cells shaded by row share."""
    cell, left, top = 64, 80, 50
    width, height = left + cell * len(cols) + 10, top + cell * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" data-chart="confusion" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="{left + cell * len(cols) / 2:.0f}" y="14" font-size="11" text-anchor="middle">predicted</text>']
    for j, c in enumerate(cols):
        parts.append(f'<text x="{left + j * cell + cell / 2:.0f}" y="{top - 8}" font-size="12" '
                     f'text-anchor="middle">{escape(c)}</text>')
    for i, r in enumerate(rows):
        total = sum(matrix.get(r, {}).values()) or 1
        parts.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4:.0f}" font-size="12" '
                     f'text-anchor="end">{escape(r)}</text>')
        for j, c in enumerate(cols):
            n = int(matrix.get(r, {}).get(c, 0))
            share = n / total
            colour = f"rgba(59,110,165,{0.08 + 0.85 * share:.3f})" if r == c else f"rgba(200,70,60,{0.05 + 0.8 * share:.3f})"
            x, y = left + j * cell, top + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}" '
                         f'data-row="{escape(r)}" data-col="{escape(c)}" data-value="{n}"/>')
            parts.append(f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 4:.0f}" font-size="13" '
                         f'text-anchor="middle">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(edges: Sequence[float], counts: Sequence[int], *, title: str, unit: str = "ms") -> str:
    """Vertical bars over equal-width bins."""
    width, height, left, bottom, top = 520, 220, 44, 34, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(counts) if counts else 0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" data-chart="latency" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>']
    n = len(counts)
    for i, c in enumerate(counts):
        w = plot_w / n
        h = plot_h * (c / peak) if peak else 0
        x, y = left + i * w, top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 1):.1f}" height="{h:.1f}" fill="{BAR}" '
                     f'data-bin="{i}" data-lo="{edges[i]}" data-hi="{edges[i + 1]}" data-value="{c}">'
                     f'<title>{edges[i]:g}–{edges[i + 1]:g} {unit}: {c}</title></rect>')
    if n:
        for frac in (0, 0.5, 1.0):
            x = left + plot_w * frac
            v = edges[0] + (edges[-1] - edges[0]) * frac
            parts.append(f'<text x="{x:.0f}" y="{height - 16}" font-size="10" text-anchor="middle">{v:.3g}</text>')
        parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 3}" font-size="10" text-anchor="middle">'
                     f'latency per message ({unit})</text>')
        parts.append(f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end">{peak}</text>')
    parts.append("</svg>")
    return "".join(parts)
