"""The runbook's deployment checklist as data: steps, their state, the report, and
the probe of the running backend (Qt-free; the GUI's wizard and
`wsadmin checklist` render the same steps)."""
