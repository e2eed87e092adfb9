"""Settings every test starts from."""

import os

# Tests never send traffic beyond 127.0.0.1, and fixture pages link to other sites: checking
# those links (on by default for users) is turned on only by the tests of it.
os.environ.setdefault("SITEAUDIT_CRAWL__CHECK_EXTERNAL", "false")
