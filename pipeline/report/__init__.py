"""The annual report 《政府信息公开工作年度报告》 in the official format.

formats    the table layouts and headings as data (2019 试行 and 2021 formats)
registers  Application / Appeal records; Tables 1–3 computed for a year
checks     the identities of Tables 2 and 3; ``check`` → list of Violation
layout     the tables as grids with rowspan/colspan (shared by HTML and .docx)
prose      the text of each part, generated from the numbers or left for staff
render     Markdown, printable HTML, CSV per table, JSON
draft      the .docx draft (python-docx)
errors     ReportError, ReportInconsistent, FiguresInvalid
"""
