"""The error codes a page fetched fine but not audited carries are stable crawl codes."""

from siteaudit.crawl.errors import ErrorCode
from siteaudit.model.page import UNAUDITED


def test_the_unaudited_codes_are_the_processing_error_codes() -> None:
    processing = {code.value for code in ErrorCode if code.value.startswith("processing-")}
    assert UNAUDITED == processing == {"processing-timeout", "processing-crashed"}
