"""reports: writers that consume a RunResult (or the event stream): run.json (canonical), junit.xml,
report.html, the evidence bundle. Entry points live in submodules (reports.writers, reports.bundle...), so
this package stays importable under any test layout."""
