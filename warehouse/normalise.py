"""Records in, rows out: one extracted file to ``label_versions`` and ``nutrients`` rows."""
from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import NotRequired, TypedDict

from extract.checks import row_consistent
from labelaudit.contracts.records import FileExtraction, PanelRecord, RowRecord
from labelaudit.contracts.reference import NRV
from warehouse.directions import children_dose, dose_problem, serving_problem, servings_per_day
from warehouse.names import identify
from warehouse.units import canonical_amount, round_sig


class LabelVersionRow(TypedDict):
    """A ``label_versions`` row (warehouse/schema.sql) as normalise writes it: what the extract
    stage read off one panel of one file's bytes, normalised, before the load step stores it."""

    product_id: str
    sha256: str
    page: int | None               # None: the file's row when it has no readable panel
    panel: int | None
    region: str | None
    label_brand: str | None
    label_product_name: str | None
    serving_size: str | None
    servings_per_container: str | None
    servings_per_day: float | None
    servings_per_day_assumed: bool | None
    directions: str | None
    status: str
    status_detail: str | None
    extractor_version: str
    page_count: NotRequired[int | None]      # the file's, set by normalise_file
    fine_print: NotRequired[str | None]      # a read panel's only
    child_servings_per_day: NotRequired[float | None]
    child_min_age_years: NotRequired[float | None]
    x0: float | None
    top: float | None
    x1: float | None
    bottom: float | None


class NutrientRow(TypedDict):
    """A ``nutrients_as_read`` row (warehouse/schema.sql): one printed row of a panel, identified
    and converted to its canonical unit and daily amount."""

    product_id: str
    row_index: int
    nutrient: str | None
    form: str | None
    form_detail: str | None
    label_text: str
    amount: float | None
    unit: str | None
    alt_amount: float | None
    alt_unit: str | None
    amount_text: str
    dv_text: str
    amount_canonical: float | None
    canonical_unit: str | None
    daily_amount_canonical: float | None
    percent_dv: float | None
    percent_nrv: float | None
    page: int
    x0: float | None
    top: float | None
    x1: float | None
    bottom: float | None
    read_method: str
    confidence: float
    figures_consistent: bool


def product_id(sha256: str, page: int | None, panel: int | None) -> str:
    """Same bytes, page and panel give the same id on every run (SPEC ``product_id``)."""
    where = "file" if page is None else f"{page}#{panel}"
    return hashlib.sha256(f"{sha256}#{where}".encode()).hexdigest()[:20]


def normalise_file(sha256: str, ext: FileExtraction,
                   extractor_version: str) -> tuple[list[LabelVersionRow], list[NutrientRow]]:
    """(label_versions rows, nutrients rows) for one file's extraction."""
    if ext.status != "ok" or not ext.panels:
        version: LabelVersionRow = {
            "product_id": product_id(sha256, None, None), "sha256": sha256, "page": None, "panel": None,
            "region": None, "label_brand": None, "label_product_name": None, "serving_size": None,
            "servings_per_container": None, "servings_per_day": None, "servings_per_day_assumed": None,
            "directions": None, "status": ext.status if ext.status != "ok" else "no_panel",
            "status_detail": ext.status_detail or "no Supplement Facts panel found",
            "extractor_version": extractor_version, "page_count": ext.page_count,
            "x0": None, "top": None, "x1": None, "bottom": None,
        }
        return [version], []
    versions: list[LabelVersionRow] = []
    nutrients: list[NutrientRow] = []
    for panel in ext.panels:
        v, n = normalise_panel(sha256, panel, extractor_version)
        v["page_count"] = ext.page_count
        if ext.status_detail:
            v["status_detail"] = "; ".join(filter(None, [ext.status_detail, v["status_detail"]]))
        versions.append(v)
        nutrients.extend(n)
    return versions, nutrients


def normalise_panel(sha256: str, panel: PanelRecord,
                    extractor_version: str) -> tuple[LabelVersionRow, list[NutrientRow]]:
    pid = product_id(sha256, panel.page, panel.panel)
    if (panel.per_daily_dose or panel.region == "eu") and not panel.serving_size:
        # EU "per daily dose" with no quantity: the amounts are already a day's (SPEC "Dose semantics").
        # An EU panel whose column title was not read (wrapped, spaced out) is read the same way: EU
        # law has every supplement declare its amounts per daily dose; the directions' count of units
        # still sends it to review (serving_problem below), since the title was not seen.
        spd, assumed = 1.0, not panel.directions
    else:
        spd, assumed = servings_per_day(panel.directions, panel.serving_size)
    child = children_dose(panel.directions, panel.serving_size)
    # Never silent (SPEC "verdicts"): what the extract stage could not settle, and a dose in the
    # directions not understood, stand in status_detail of an ``ok`` panel; verdicts reads them
    # as review reasons.
    review = list(panel.review)
    problem = dose_problem(panel.directions)
    if problem:
        review.append(problem)
    if not (panel.per_daily_dose and not panel.serving_size):
        problem = serving_problem(panel.directions, panel.serving_size)
        if problem:
            review.append(problem)
    box = panel.bbox or (None, None, None, None)
    version: LabelVersionRow = {
        "product_id": pid, "sha256": sha256, "page": panel.page, "panel": panel.panel,
        "region": panel.region, "label_brand": panel.brand, "label_product_name": panel.product_name,
        "serving_size": panel.serving_size, "servings_per_container": panel.servings_per_container,
        "servings_per_day": spd, "servings_per_day_assumed": assumed, "directions": panel.directions,
        "status": "ok", "status_detail": "; ".join(review) or None, "extractor_version": extractor_version,
        "fine_print": panel.fine_print,
        "child_servings_per_day": child[0] if child else None,
        "child_min_age_years": child[1] if child else None,
        "x0": box[0], "top": box[1], "x1": box[2], "bottom": box[3],
    }
    rows: list[NutrientRow] = []
    for i, row in enumerate(panel.rows):
        nutrient, form, detail = identify(row.label_text)
        if panel.region == "eu" and nutrient:
            row = eu_decimal_comma(nutrient, row)
        amount_c, unit_c = canonical_amount(nutrient, row) if nutrient else (None, None)
        confidence = row.confidence
        consistent = row_consistent(
            nutrient, row.amount, row.unit, row.alt_amount, row.alt_unit, row.percent_dv,
            row.elemental_amount, row.elemental_unit,
        )
        if row.read_method == "ocr" and not consistent:
            # Its own figures disagree (IU vs mcg, amount vs %DV): a misread, sent to review.
            confidence = round(confidence * 0.5, 3)
        daily = round_sig(amount_c * spd) if amount_c is not None else None
        b = row.bbox or (None, None, None, None)
        rows.append({
            "product_id": pid, "row_index": i, "nutrient": nutrient, "form": form, "form_detail": detail,
            "label_text": row.label_text, "amount": row.amount, "unit": row.unit,
            "alt_amount": row.alt_amount, "alt_unit": row.alt_unit,
            "amount_text": row.amount_text, "dv_text": row.dv_text,
            "amount_canonical": round_sig(amount_c), "canonical_unit": unit_c,
            "daily_amount_canonical": daily, "percent_dv": row.percent_dv, "percent_nrv": row.percent_nrv,
            "page": panel.page, "x0": b[0], "top": b[1], "x1": b[2], "bottom": b[3],
            "read_method": row.read_method, "confidence": confidence, "figures_consistent": consistent,
        })
    return version, rows


_THOUSANDS = re.compile(r"(?<![\d,.])[1-9]\d{0,2},\d{3}(?![\d,])")


def eu_decimal_comma(nutrient: str, row: RowRecord) -> RowRecord:
    """An EU row whose amount has a comma before exactly three digits ("1,500 mg") was read as
    thousands (extract/amounts.py parse_number); read it as a decimal comma (1.5 mg) instead when
    only that reading fits the row's printed %NRV."""
    if row.percent_nrv is None or nutrient not in NRV or row.amount is None or not row.amount_text:
        return row
    first = row.amount_text.split("(")[0]
    if not _THOUSANDS.search(first):
        return row
    printed_nrv = row.percent_nrv
    alt = dataclasses.replace(row, amount=row.amount / 1000.0)
    if row.alt_amount is not None and row.alt_unit != "IU" and _THOUSANDS.search(row.amount_text[len(first):]):
        alt.alt_amount = row.alt_amount / 1000.0

    def fit(r: RowRecord) -> float:
        c, _ = canonical_amount(nutrient, r)
        if not c:
            return float("inf")
        return abs(c / NRV[nutrient] * 100.0 - printed_nrv) / max(printed_nrv, 1.0)

    return alt if fit(alt) < 0.1 <= fit(row) else row
