"""The annual report 《政府信息公开工作年度报告》 in the official format, from the figures and
registers of pipeline/registers/ (what is counted lives there; how it is shown, here).

annual     one year's report: ``annual_report`` → data (JSON) + render input
explain    ``--explain ROW``: the items or register entries behind a figure
summary    the terminal summary of ``xxgk report``
prose      the text of each part, generated from the numbers or left for staff
layout     the tables as grids with rowspan/colspan (shared by HTML and .docx)
render     Markdown, printable HTML (with ``charts``' SVG), CSV per table, JSON
draft      the .docx draft (python-docx)
outputs    output/reports/<year>.{json,html,md,docx} and <year>-tableN.csv (drafts); output/site/reports/ once published
(the commands ``xxgk report``, ``xxgk application …``, ``xxgk appeal …`` are in pipeline/commands/)
"""
