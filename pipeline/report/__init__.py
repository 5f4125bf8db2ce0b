"""The annual report 《政府信息公开工作年度报告》 in the official format.

Pure parts (no database):
formats    the table layouts and headings as data (2019 试行 and 2021 formats)
registers  Application / Appeal records; Tables 1–3 computed for a year
checks     the identities of Tables 2 and 3; ``check`` → list of Violation
layout     the tables as grids with rowspan/colspan (shared by HTML and .docx)
prose      the text of each part, generated from the numbers or left for staff
render     Markdown, printable HTML (with ``charts``' SVG), CSV per table, JSON
draft      the .docx draft (python-docx)
figures    the office's figures file (figures/<year>.toml): 表一 numbers from other systems
errors     ReportError, ReportInconsistent, FiguresInvalid, RegisterError

From the store:
proactive  items per year, channel and category
documents  normative documents (issued / repealed / in force), timeliness (第二十六条), per month
ledger     the applications and appeals registers, deadlines, ``overdue_applications``
annual     one year's report: ``annual_report`` → data (JSON) + render input
explain    ``--explain ROW``: the items or register entries behind a figure
outputs    output/site/reports/<year>.{json,html,md,docx} and <year>-tableN.csv
summary    the terminal summary of ``xxgk report``
cli, register_cli   ``xxgk report``, ``xxgk application …``, ``xxgk appeal …``
"""
