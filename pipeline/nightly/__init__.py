"""The nightly job and what keeps it running unattended.

    job.py       collect → merge → classify → publish → report, one run (`xxgk sync`)
    lock.py      the run lock: one job at a time per database
    schedule.py  `xxgk schedule`: the job at set times, for machines without cron
    health.py    source health from the run history: the alerts `xxgk status` shows
    notify.py    the alerts sent: e-mail over SMTP, or a webhook
    logs.py      one line per event, to a rotating file and to the terminal
"""
