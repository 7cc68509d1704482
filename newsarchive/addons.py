"""The project's Scrapy add-on: settings derived from other settings.

settings.py is read before `-s` is applied, so a value built there from another setting sees
only settings.py and the environment. An add-on's `update_settings` runs once every source
(settings.py, environment, `-s`, a reparse's recorded settings) has been applied, at the
"addon" priority: above Scrapy's defaults, below settings.py and the command line, so an
explicit value of the derived setting still wins.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

USER_AGENT_FORMAT = "newsarchive/0.1 (+mailto:{contact}; archiving golem.de articles)"


class DerivedSettings:
    """USER_AGENT from NEWSARCHIVE_CONTACT, unless USER_AGENT is set explicitly."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("NEWSARCHIVE_CONTACT") or "newsarchive@example.org"
        settings.set("USER_AGENT", USER_AGENT_FORMAT.format(contact=contact), priority="addon")
