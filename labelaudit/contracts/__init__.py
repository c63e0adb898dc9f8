"""What crosses a stage boundary, in one place: the error tree, the records stages hand each
other, the reference values and the catalog location.

Every stage (extract, warehouse, rules, reports, flows) may import from here; nothing here
imports a stage, so the arrows between rooms only ever point at this one.
"""
