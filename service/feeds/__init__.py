"""Reading sanctions feeds: download them (`fetch`) and parse them (`csl`). No database here.

The refresh job fetches a source's URL into a temporary file, parses the file into `Entry` values
and stores them as a new list version. A transfer that fails is `FeedUnavailable`; content that
cannot be trusted is `FeedInvalid`; a URL leading where feeds may not be read from (`reach`) is
`FeedRefused`; all are `FeedError` with a one-line `reason` for the alert.
"""

from service.feeds.csl import (
    FORMATS,
    LIST_CODES,
    Entry,
    FeedError,
    FeedInvalid,
    count_by_list,
    parse,
)
from service.feeds.fetch import FeedUnavailable, Fetched, fetch
from service.feeds.reach import FeedRefused, Reach

__all__ = ["FORMATS", "LIST_CODES", "Entry", "FeedError", "FeedInvalid", "FeedRefused",
           "FeedUnavailable", "Fetched", "Reach", "count_by_list", "fetch", "parse"]
