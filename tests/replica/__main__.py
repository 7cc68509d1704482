"""Serve a replica site until Ctrl-C: `python -m tests.replica [--port 8000]`."""

from __future__ import annotations

import argparse
from datetime import datetime

from .server import ReplicaServer
from .site import build_site

# A fixed "now" keeps the demo the same on every run; both layouts and a DST switch fall
# into its three months.
DEFAULT_NOW = "2025-10-28T12:00:00+01:00"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a golem.de replica on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument(
        "--articles", type=int, default=40, help="number of articles (30 to 100000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", default=DEFAULT_NOW, help="ISO datetime the site is built for")
    parser.add_argument(
        "--consent-wall",
        action="store_true",
        help="answer without consent cookie with the consent page",
    )
    args = parser.parse_args(argv)
    site = build_site(
        now=datetime.fromisoformat(args.now), n_articles=args.articles, seed=args.seed
    )
    with ReplicaServer(site, port=args.port, consent_wall=args.consent_wall) as server:
        print(server.base_url, flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
