"""A whole district (区/县) in one deployment: its offices' nightly jobs, the roll-up of
their annual reports, the district portal and the inspection of every office.

    config.py      district.toml → District (its offices, each an xxgk office or a figures folder)
    published.py   the tables an office not using xxgk published, typed in as a figures file
    tables.py      one office's year: its tables and key figures, from its store or its figures file
    rollup.py      the district's roll-up: the sum of every cell, the checks, the offices with a problem
    rollup_render.py  the roll-up as text, JSON, Markdown, HTML, CSV
    run.py         every office's nightly job, concurrently, polite per host
    status.py      every office's last run, sources and alerts
    portal.py      the district portal: the offices, the combined feed, one search
    inspect.py     per office: late items, overdue applications, silent sources, review backlog
    layout.py      the output: what is published (output/site/), what never is; the old layout moved
    exposure.py    asks the public host whether it serves a private file (output/ published, not output/site/)
    (``xxgk district …`` is pipeline/commands/district.py)

Each office keeps its own config and store; the district only calls the per-office
machinery (pipeline.config.load, pipeline.nightly.job, pipeline.report).
"""
