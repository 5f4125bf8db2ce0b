"""The annual report 《政府信息公开工作年度报告》 in the official format.

Pure parts (no database):
formats    the table layouts and headings as data (2019 试行 and 2021 formats)
registers  Application / Appeal records; 表三 and 表四 (table2, table3) computed for a year
table1     表二 (主动公开): document counts, figures, stated cells with their reasons
checks     the identities of Tables 2 and 3; ``check`` → list of Violation
layout     the tables as grids with rowspan/colspan (shared by HTML and .docx)
prose      the text of each part, generated from the numbers or left for staff
render     Markdown, printable HTML (with ``charts``' SVG), CSV per table, JSON
draft      the .docx draft (python-docx)
figures    the office's figures file (figures/<year>.toml): 表二 (主动公开) numbers from other systems
errors     ReportError, ReportInconsistent, FiguresInvalid, RegisterError
previous   --previous: last year's report JSON, checked

From the store:
proactive  items per year, channel and category
documents  normative documents (issued / repealed / in force), timeliness (第二十六条), per month
ledger     the applications and appeals registers, deadlines, the audit trail
corrections  edit, reopen, withdraw an entry (with a reason)
opening    opening balances: cases carried into the first year kept in xxgk
published  ``report publish``: frozen figures and 更正说明
register_import  the registers kept in Excel / CSV: template and import
annual     one year's report: ``annual_report`` → data (JSON) + render input
explain    ``--explain ROW``: the items or register entries behind a figure
outputs    output/site/reports/<year>.{json,html,md,docx} and <year>-tableN.csv
summary    the terminal summary of ``xxgk report``
(the commands ``xxgk report``, ``xxgk application …``, ``xxgk appeal …`` are in pipeline/commands/)

The code numbers the tables table1–3; the format (and every message) numbers them by part:
table1 = 表二 主动公开, table2 = 表三 申请, table3 = 表四 复议、诉讼.
"""
