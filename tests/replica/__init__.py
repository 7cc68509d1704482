"""A golem.de replica: the ground truth for parser and spider tests, and an offline demo.

Articles are specified as `ArticleSpec`s (the truth); the layout modules render them into
pages that carry the real site's markup and noise; `build_site` makes a deterministic site
and `ReplicaServer` serves it on 127.0.0.1. Expected records come from the specs only.
"""

from .server import ReplicaServer
from .site import Site, build_site, render_article
from .specs import ArticleSpec

__all__ = ["ArticleSpec", "ReplicaServer", "Site", "build_site", "render_article"]
