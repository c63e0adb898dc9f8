"""Charts as inline SVG, so the HTML report stays one self-contained file."""
from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D

LINE_COLORS = ("#d98a00", "#c0392b", "#7d3c98")


def threshold_label(mcg: float, name: str) -> str:
    """A line's legend: its value and the name of the parameter it draws, never a fixed meaning,
    so a run with another threshold cannot draw it under the old one's name."""
    return f"{mcg * IU_PER_MCG_VITAMIN_D:,.0f} IU {name}"


def daily_vitamin_d_histogram(daily_mcg: list[float], lines: list[tuple[float, str]]) -> str:
    """Daily vitamin D per product (IU), with a dashed line per ``(mcg, name)`` threshold."""
    fig, ax = plt.subplots(figsize=(7, 2.6), dpi=100)
    if daily_mcg:
        ius = [v * IU_PER_MCG_VITAMIN_D for v in daily_mcg]
        top = max([*ius, *(mcg * IU_PER_MCG_VITAMIN_D for mcg, _ in lines)]) * 1.05
        ax.hist(ius, bins=min(30, max(5, len(ius))), range=(0, top), color="#4a78b5", edgecolor="white")
    for (mcg, name), color in zip(lines, LINE_COLORS, strict=False):
        ax.axvline(mcg * IU_PER_MCG_VITAMIN_D, color=color, linestyle="--", linewidth=1.5,
                   label=threshold_label(mcg, name))
    ax.set_xlabel("Daily vitamin D per product (IU)")
    ax.set_ylabel("Products")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "dose")


def _svg(fig: Figure, prefix: str) -> str:
    _fit(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return _prefix_ids(svg[svg.index("<svg"):], prefix)


def _fit(fig: Figure) -> None:
    """Margins from the sizes of the chart's own texts (tick labels, axis labels, a legend above the axes):
    what tight_layout finds by drawing the whole figure one more time, a third of a chart's cost here."""
    ax = fig.axes[0]
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    r = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height

    def size(texts: list[Any], dim: str) -> float:
        return max((getattr(t.get_window_extent(r), dim) for t in texts if t.get_visible() and t.get_text()),
                   default=0.0)

    pad = 5.0  # px at the charts' 100 dpi
    ylabel = size([ax.yaxis.label], "width")
    left = size(ax.get_yticklabels(), "width") + (ylabel + pad if ylabel else 0.0) + 4 * pad
    bottom = size(ax.get_xticklabels(), "height") + size([ax.xaxis.label], "height") + 3 * pad
    legend = ax.get_legend()
    above = legend is not None and legend.get_bbox_to_anchor().y0 >= ax.bbox.y1 - 1
    top = (legend.get_window_extent(r).height if above and legend is not None else 0.0) + 3 * pad
    xticks = [t for t in ax.get_xticklabels() if t.get_text()]
    right = max(2 * pad, size(xticks[-1:], "width") / 2 + pad)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


def _prefix_ids(svg: str, prefix: str) -> str:
    """Matplotlib numbers ids per figure (patch_11, glyph DejaVuSans-5c): several charts in one HTML
    page would define the same ids, so each chart's ids and references get its own prefix."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


# More brands than this and the chart shows the ones with most flagged products, and says so in its title.
BRAND_CHART_TOP = 20


def brands_by_flagged(brands: list[dict]) -> list[dict]:
    """Brands in the order the chart shows them: most flagged products first, then most products, then name."""
    return sorted(brands, key=lambda b: (-b["flagged"], -b["products"], str(b["brand"]).lower()))


def brand_chart_title(brands: list[dict]) -> str:
    """The chart's title, saying whether it holds every brand or the top ones (never a silent cut)."""
    n = len(brands)
    if n > BRAND_CHART_TOP:
        return f"Flagged products by brand: top {BRAND_CHART_TOP} of {n} brands by flagged count"
    return f"Flagged products by brand (all {n} brand{'s' if n != 1 else ''})"


def brand_flag_share(brands: list[dict]) -> str:
    """Flagged products per brand (their verdict), split by the most serious flag (high, warning), over a pale
    bar of all the brand's products; the brands with most flagged products, sorted by that count."""
    shown = brands_by_flagged(brands)[:BRAND_CHART_TOP]
    n = max(1, len(shown))
    fig, ax = plt.subplots(figsize=(7, 1.3 + 0.3 * n), dpi=100)
    # "$" would start matplotlib's mathtext: a brand name is shown as written.
    names = [str(b["brand"]).replace("$", r"\$") for b in shown][::-1]
    ys = list(range(len(shown)))
    high = [b["high"] for b in shown][::-1]
    warn = [b["warning"] for b in shown][::-1]
    total = [b["products"] for b in shown][::-1]
    ax.barh(ys, total, color="#e3e7ee", label="products")
    ax.barh(ys, high, color="#c0392b", label="flagged high")
    ax.barh(ys, warn, left=high, color="#d98a00", label="flagged warning")
    top = max([*total, 1])
    for i, b in enumerate(shown[::-1]):
        ax.text(total[i] + top * 0.015, i, f"{b['flagged']} of {b['products']}", va="center", fontsize=8, color="#333")
    ax.set_yticks(ys)
    ax.set_yticklabels(names)  # as text, not as tick formatting: a brand name is never parsed
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Products (flagged: by most serious flag)")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, alignment="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "brands")


COVERAGE_COLORS = {"K2 and magnesium": "#2e8b57", "K2 only": "#d98a00", "magnesium only": "#d98a00",
                   "neither": "#c0392b"}


def high_dose_coverage(counts: dict[str, int], limit_mcg: float) -> str:
    """High-dose D3 products by whether they also carry vitamin K2 and magnesium."""
    fig, ax = plt.subplots(figsize=(7, 1.9), dpi=100)
    names = list(counts)[::-1]
    vals = [counts[k] for k in names]
    ax.barh(names, vals, color=[COVERAGE_COLORS.get(k, "#4a78b5") for k in names])
    top = max([*vals, 1])
    for i, v in enumerate(vals):
        ax.text(v + top * 0.015, i, str(v), va="center", fontsize=9)
    ax.set_xlim(0, top * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"Products with daily vitamin D3 ≥ {limit_mcg:g} mcg ({limit_mcg * IU_PER_MCG_VITAMIN_D:,.0f} IU)")
    ax.tick_params(axis="y", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "coverage")
