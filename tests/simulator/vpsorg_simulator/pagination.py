"""Page-number pagination that behaves like Django REST framework's PageNumberPagination.

The rules copied from DRF: ``page_size`` that is not a positive integer falls back to the
default, one above the maximum is clamped to it; ``page`` must be an integer from 1 to the
last page (or the word ``last``; empty means 1), except that page 1 of an empty list exists; links are
absolute and keep the other query parameters, sorted; the link to page 1 has no ``page``.
"""

import math
from urllib.parse import urlencode


class InvalidPage(Exception):
    """The requested page does not exist (DRF answers 404 "Invalid page.")."""


def page_size_from(raw_value, default, maximum):
    try:
        size = int(raw_value)
    except (TypeError, ValueError):
        return default
    if size < 1:
        return default
    return min(size, maximum)


def page_count(item_count, page_size):
    # Django's Paginator: an empty list still has one (empty) page.
    return max(1, math.ceil(item_count / page_size))


def page_number_from(raw_value, last_page):
    # DRF reads the page as `query_params.get("page") or 1`, so an empty value means page 1.
    if not raw_value:
        return 1
    if raw_value == "last":
        return last_page
    try:
        number = int(raw_value)
    except ValueError as error:
        raise InvalidPage() from error
    if number < 1 or number > last_page:
        raise InvalidPage()
    return number


def page_link(base_url, query, page_number):
    """Absolute URL of another page; ``query`` maps each parameter to its last given value."""
    params = dict(query)
    if page_number == 1:
        params.pop("page", None)
    else:
        params["page"] = str(page_number)
    if not params:
        return base_url
    return base_url + "?" + urlencode(sorted(params.items()))
