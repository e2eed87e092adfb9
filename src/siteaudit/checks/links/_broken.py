"""What `broken-link` and `external-link-broken` say about one link to a failing URL."""

from siteaudit.checks.base import Failed, failed


def broken_target(
    source: str,
    target: str,
    text: str,
    status: int | None,
    error_code: str | None,
    *,
    no_answer: str,
) -> Failed:
    """The failure on `source` for its link to `target`, which answered `status` or, without
    one, `no_answer` ("could not be fetched", "could not be reached") with `error_code`."""
    if status is not None:
        answer = f"answered HTTP {status}"
    else:
        answer = f"{no_answer} ({error_code or 'no response'})"
    label = f" (link text {text!r})" if text else ""
    return failed(
        f"The page links to {target}, which {answer}.",
        evidence=f"{target} {answer}{label}",
        locator=target,
        url=source,
    )
