"""Reading the project's settings in components: one default per setting, settings.py's.

A component reads its settings once, in `from_crawler`, through `setting`, so no default is
written twice: a crawler made without the project's settings (as unit tests make one) gets
settings.py's value, not a copy of it in the component's code.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings, Settings

from newsarchive import settings as project


def setting(settings: BaseSettings, name: str, kind: str = "get") -> Any:
    """`name` read as `kind` ("getint", "getbool", "getfloat", …: `-s` gives strings), or
    settings.py's value where `settings` has none."""
    return getattr(settings, kind)(name, getattr(project, name))


def project_settings() -> Settings:
    """settings.py alone: what a component made without a crawler runs with."""
    settings = Settings()
    settings.setmodule(project, priority="project")
    return settings
