"""CLI for channels, feeds and polling (thin: calls cablebase.sources.feeds / store.channels)."""
from __future__ import annotations

import typer

channel_app = typer.Typer(help="Channels: named groups of feeds, browsed newest first.", no_args_is_help=True)
feed_app = typer.Typer(help="Feed subscriptions.", no_args_is_help=True)
