"""`python -m siteaudit` runs the CLI."""

from siteaudit.cli.main import main

main()
