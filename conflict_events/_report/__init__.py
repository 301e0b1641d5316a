"""The offline HTML report of a release: ``conflict-events report -o report.html``.

>>> from conflict_events._report import render, write
>>> html = render("1.0.0")                  # one self-contained page, as text
>>> write("report.html", version="1.0.0")   # the same, written atomically
"""

from conflict_events._report.page import render, render_frames, write

__all__ = ["render", "render_frames", "write"]
