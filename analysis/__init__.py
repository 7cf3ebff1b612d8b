"""Analysis: load runs into pandas and redraw the study's figures (see design.md §1)."""
