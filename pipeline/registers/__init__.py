"""What the annual report 《政府信息公开工作年度报告》 counts, and the registers behind it.

The report's data, computed: no rendering here (that is pipeline/report/, which reads this
package). Commands, the review page, health and the district read the registers from here too.

Pure parts (no database):
formats      the table layouts and headings as data (2019 试行 and 2021 formats)
records      Application / Appeal records and their checks; 表三 and 表四 (table2, table3) counted for a year
table1       表二 (主动公开): document counts, figures, stated cells with their reasons
checks       the identities of Tables 2 and 3; ``check`` → list of Violation
figures      the office's figures file (figures/<year>.toml): 表二 (主动公开) numbers from other systems
errors       ReportError, ReportInconsistent, FiguresInvalid, RegisterError
previous     --previous: last year's report JSON, checked, its 更正说明 applied

From the store:
proactive    items per year, channel and category
documents    normative documents (issued / repealed / in force), timeliness (第二十六条), per month
ledger       the applications and appeals registers, deadlines, the audit trail
corrections  edit, reopen, withdraw an entry (with a reason)
opening      opening balances: cases carried into the first year kept in xxgk
published    ``report publish``: frozen figures and 更正说明
importing    the registers kept in Excel / CSV: template, reading, every row checked
reimport     an imported register stored: each row one entry (a later copy completes, never adds twice)

The code numbers the tables table1–3; the format (and every message) numbers them by part:
table1 = 表二 主动公开, table2 = 表三 申请, table3 = 表四 复议、诉讼.
"""
