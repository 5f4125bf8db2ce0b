"""The office's config (TOML) → typed, checked objects.

- settings.py: what a config says (Config, Office, FetchSettings, Source, ListApi, Alerts);
- load.py: reading a file — every table, its checks, the environment's overrides;
- sources.py: one [sources.NAME] table, its selectors and list endpoint;
- table.py: the typed getters every table is read with;
- keys.py: the reference of every key and its default (docs/config.md is written from it).
"""

from ..errors import ConfigError
from .load import find_config, load, load_effective, read_toml
from .settings import (DEFAULT_CONFIG_NAME, DEFAULTS_AUTO_ACCEPT, KIND_EXTRA_HOSTS, LIST_API_ANSWERS,
                       LIST_API_FIELDS, RECHECK_MODES, SOURCE_KINDS, WECHAT_API_URL, Alerts, Config,
                       FetchSettings, ListApi, Office, Source)

__all__ = ["DEFAULT_CONFIG_NAME", "DEFAULTS_AUTO_ACCEPT", "KIND_EXTRA_HOSTS", "LIST_API_ANSWERS", "LIST_API_FIELDS",
           "RECHECK_MODES", "SOURCE_KINDS", "WECHAT_API_URL", "Alerts", "Config", "ConfigError", "FetchSettings",
           "ListApi", "Office", "Source", "find_config", "load", "load_effective", "read_toml"]
