"""The check catalogue: declared checks, their configuration and the scoring profile."""
