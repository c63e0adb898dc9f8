"""What extraction returns: plain, picklable records, no PDF objects."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in pdfplumber page axes


@dataclass
class RowRecord:
    """One printed row of a facts panel, as read; no unit conversion yet."""

    label_text: str
    amount_text: str = ""          # amount column exactly as read, e.g. "125 mcg (5,000 IU)"
    dv_text: str = ""              # %DV column as read, e.g. "625%", "†"
    amount: float | None = None    # first printed amount
    unit: str | None = None        # its unit, spelled per SPEC (mcg, mg, g, IU, mcg RAE, mcg DFE)
    alt_amount: float | None = None  # a second amount in parentheses, e.g. the IU of "125 mcg (5,000 IU)"
    alt_unit: str | None = None
    percent_dv: float | None = None
    percent_nrv: float | None = None  # EU "%NRV" as printed (never a %DV: US rules do not judge it)
    elemental_amount: float | None = None  # "(providing 100 mg elemental magnesium)"
    elemental_unit: str | None = None
    note: str | None = None        # a note on the amount as printed: "(providing 100 mg elemental magnesium)"
    bbox: BBox | None = None
    read_method: str = "text"
    confidence: float = 1.0


@dataclass
class PanelRecord:
    page: int                      # 1-based
    panel: int                     # 0-based, reading order on the page
    region: str = "us"             # us | ca | eu: the label convention (SPEC products.region)
    per_daily_dose: bool = False   # EU "per daily dose": the amounts are a day's, one serving a day
    serving_size: str | None = None
    servings_per_container: str | None = None
    directions: str | None = None
    fine_print: str | None = None  # cautions, warnings and other text around the panel
    brand: str | None = None
    product_name: str | None = None
    bbox: BBox | None = None
    rows: list[RowRecord] = field(default_factory=list)
    read_method: str = "text"
    # Why a person must look at this panel, in plain words (SPEC "Never silent"): a heading with
    # no rows, a key nutrient without a readable amount, figures that fail their cross-checks,
    # glyph readers that disagree. Empty when every reading tried passed.
    review: list[str] = field(default_factory=list)


@dataclass
class FileExtraction:
    """Everything read from one file. ``status`` follows SPEC ``products.status``."""

    status: str                    # ok | no_panel | needs_ocr | error
    status_detail: str | None = None
    page_count: int = 0
    panels: list[PanelRecord] = field(default_factory=list)
    transient: bool = False        # the failure may go away on a retry

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
