"""`xxgk`: the group, and every command registered on it, module by module."""

from __future__ import annotations

import click

from ..nightly import logs
from . import add, add_source, appeals, applications, config, district, merges, nightly, report, review
from . import register_import  # noqa: F401 (adds `template` and `import` to both registers)
from .base import EXIT_CODES_HELP, Env, Group


@click.group(cls=Group, epilog=EXIT_CODES_HELP)
@click.option("--config", "config_path", metavar="PATH", help="Office config (default: $XXGK_CONFIG, else ./xxgk.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Log every event to the terminal.")
@click.version_option(package_name="xxgk")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """xxgk: collect a township office's posts, merge and file them in the disclosure
    catalog (公开目录), and publish feeds, catalog pages and the annual-report counts.

    \b
    Example:
      xxgk --config xxgk.toml sync      # the nightly job
      xxgk demo                         # the whole job on the bundled demo office
    """
    logs.setup_terminal(verbose)
    ctx.obj = Env(config_path)


for command in (
    *nightly.COMMANDS,                                      # sync, demo, schedule and the stages
    report.report, applications.application, appeals.appeal,  # the annual report and its registers
    review.serve, review.user,                               # the staff review page and its accounts
    *merges.COMMANDS,                                        # explain, merge, split, withdrawn
    add.add_command,                                         # store an article by its link
    config.config_group,                                     # the config as in effect
    add_source.add_source_command,                           # what kind of list a column URL has
    district.district,                                       # a whole district in one deployment
):
    main.add_command(command)
