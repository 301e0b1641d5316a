"""How the rules of the catalogue run.

:mod:`~conflict_events._engine.columnar` runs them on polars frames: table
files batch by batch, records, and in-memory pandas or polars frames.
"""
