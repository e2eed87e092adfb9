"""Site checks on two cores: this process and a child forked with the loaded site graph.

At the end of a scan nothing else is left to do, yet the site checks ran one after the
other on one core (72 ms on the PostgreSQL manual, a third of it PageRank). The child sees
the loaded site copy-on-write; both processes take the next unclaimed check from one
pipe of tokens, so the slow checks do not pile up on one side. The child stores its
findings through its own database connections (storage forgets inherited ones at a fork)
and reports each check it finished, with any crash, through a pipe.

A child that dies leaves the checks it had claimed unfinished: they run here again. Site
findings are stored idempotently (by fingerprint), so what it had stored is not doubled.
Only callers without threads of their own fork (the CLI, like the report writer).
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

from siteaudit.checks.base import Check
from siteaudit.forking import leave_signals_to_the_parent
from siteaudit.model import Finding
from siteaudit.model.site import Site
from siteaudit.pipeline.analysis import SiteAnalysis, analyze_site

logger = logging.getLogger(__name__)

MAX_CHECKS = 16_384  # 2-byte tokens that fit in a pipe's 64 KiB buffer, with room to spare
Sink = Callable[[Sequence[Finding]], None]
Errors = tuple[tuple[str, str], ...]


def analyze_site_on_two_cores(
    site: Site, checks: Sequence[Check], start_url: str, sink: Sink
) -> SiteAnalysis:
    """`analyze_site` with a sink, its checks shared with a forked child process."""
    site_checks = [item for item in checks if item.site_fn is not None]
    if len(site_checks) > MAX_CHECKS:  # more tokens than a pipe holds unread
        return analyze_site(site, site_checks, start_url, sink=sink)

    def run(index: int) -> Errors:
        return analyze_site(site, (site_checks[index],), start_url, sink=sink).errors

    # The checks to take, as 2-byte tokens in a pipe: a read takes one whole token, and a
    # process that dies cannot leave a lock held.
    tokens_out, tokens_in = os.pipe()
    os.write(tokens_in, b"".join(i.to_bytes(2, "big") for i in range(len(site_checks))))
    os.close(tokens_in)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:  # no process to be had: all of them here, as on one core
        logger.warning("site checks run in one process: %s", exc)
        for descriptor in (tokens_out, read_end, write_end):
            os.close(descriptor)
        return analyze_site(site, site_checks, start_url, sink=sink)
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(run, _claims(tokens_out), write_end)
    os.close(write_end)
    errors: dict[int, Errors] = {}
    try:
        for index in _claims(tokens_out):
            errors[index] = run(index)
    finally:
        os.close(tokens_out)
        from_child = _read_reports(read_end)
        _, status = os.waitpid(pid, 0)
    errors.update(from_child)
    unfinished = [index for index in range(len(site_checks)) if index not in errors]
    if unfinished:
        logger.warning(
            "the site-check process ended with status %d; %d of its checks run here again",
            os.waitstatus_to_exitcode(status),
            len(unfinished),
        )
        for index in unfinished:
            errors[index] = run(index)
    return SiteAnalysis((), tuple(error for index in sorted(errors) for error in errors[index]))


def _claims(tokens: int) -> Iterator[int]:
    """The indices of the checks this process takes, one at a time, until none is left."""
    while token := os.read(tokens, 2):
        yield int.from_bytes(token, "big")


def _child(run: Callable[[int], Errors], claims: Iterator[int], write_end: int) -> NoReturn:
    leave_signals_to_the_parent()
    code = 1
    try:
        with os.fdopen(write_end, "wb") as out:
            for index in claims:
                pickle.dump((index, run(index)), out)
                out.flush()  # each finished check is known even if the next one kills us
        code = 0
    except BaseException:
        logger.exception("the site-check process failed")
    finally:
        os._exit(code)


def _read_reports(read_end: int) -> dict[int, Errors]:
    """The checks the child finished, with their errors, until its end of the pipe closes."""
    finished: dict[int, Errors] = {}
    with os.fdopen(read_end, "rb") as pipe:
        while True:
            try:
                index, errors = pickle.load(pipe)
            except Exception:  # the end, or a report cut short by the child's death
                return finished
            finished[index] = errors
