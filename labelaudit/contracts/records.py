"""The records stages hand each other: extraction's panels and rows, and the audit run.

Plain dataclasses, fully typed, picklable (extraction workers send them across processes),
with no behaviour beyond turning themselves into the warehouse's columns.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
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


@dataclass
class Flag:
    """One rule's finding on one product label version (a ``flags`` row, without its run)."""

    rule_id: str
    severity: str                  # info | warning | high
    product_key: str
    product_id: str
    message: str
    evidence: str                  # JSON: the label values the rule used
    waived: bool = False           # an analyst's waiver accepts it (rules/verdicts.py apply_waivers)
    waiver_id: str | None = None

    # Waivers and verdicts were written when a flag was a dict: f["waived"] = ..., f.get("waived").
    def __getitem__(self, name: str) -> Any:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        return getattr(self, name)

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        setattr(self, name, value)

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)


@dataclass(frozen=True)
class AuditRun:
    """One audit run and its counts: the ``audit_runs`` row, the CLI's summary and the
    reports' headline all read these fields, so they cannot disagree.

    ``products_*`` count products (one verdict each); ``flags_*`` count unwaived flags.
    """

    audit_run_id: str
    kind: str                      # audit | reevaluate | waiver
    started_at: datetime
    finished_at: datetime
    catalog: str
    ruleset_version: str
    rule_params: str               # JSON: {"params": {...}, "rules": {id: {enabled, severity}}}
    extractor_version: str
    products: int
    products_ok: int
    products_not_ok: int
    flags_high: int
    flags_warning: int
    flags_info: int
    products_flagged: int
    products_needing_review: int
    products_waived: int
    files_seen: int = 0
    files_read: int = 0
    files_reused: int = 0

    @property
    def products_passed(self) -> int:
        """Every product has one verdict, so the passes are what is neither flagged nor under review."""
        return self.products - self.products_flagged - self.products_needing_review

    def as_row(self) -> dict[str, Any]:
        """The ``audit_runs`` columns, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __getitem__(self, name: str) -> Any:
        # Callers written when the run was a dict (run["products_flagged"]) keep working.
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        return getattr(self, name)


__all__ = ["AuditRun", "BBox", "FileExtraction", "Flag", "PanelRecord", "RowRecord"]
