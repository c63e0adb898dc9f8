"""What crosses a stage boundary, in one place: the error tree, the records stages hand each
other, the reference values and the catalog location.

Every stage (extract, warehouse, rules, reports, flows) may import from here; nothing here
imports a stage, so the arrows between rooms only ever point at this one.

    errors.py       the exception tree
    records.py      extraction's panels and rows, the audit run and its counts
    reference.py    unit conversions, Daily Values, NRVs, upper limits (read from reference.toml)
"""
