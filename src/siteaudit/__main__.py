"""`python -m siteaudit` runs the CLI."""

from siteaudit.cli.entry import console

console()
