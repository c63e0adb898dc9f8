"""Charts as inline SVG, so the HTML report stays one self-contained file."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

IU_PER_MCG = 40.0


def daily_vitamin_d_histogram(daily_mcg: list[float], ul_mcg: float = 100.0, noael_mcg: float = 250.0) -> str:
    fig, ax = plt.subplots(figsize=(7, 2.6), dpi=100)
    if daily_mcg:
        ius = [v * IU_PER_MCG for v in daily_mcg]
        top = max(max(ius), noael_mcg * IU_PER_MCG) * 1.05
        ax.hist(ius, bins=min(30, max(5, len(ius))), range=(0, top), color="#4a78b5", edgecolor="white")
    ax.axvline(ul_mcg * IU_PER_MCG, color="#d98a00", linestyle="--", linewidth=1.5, label=f"{ul_mcg * IU_PER_MCG:,.0f} IU adult upper limit")
    ax.axvline(noael_mcg * IU_PER_MCG, color="#c0392b", linestyle="--", linewidth=1.5, label=f"{noael_mcg * IU_PER_MCG:,.0f} IU no-adverse-effect level")
    ax.set_xlabel("Daily vitamin D per product (IU)")
    ax.set_ylabel("Products")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
