"""Page-number pagination with a client-chosen page size (bounded, so one request cannot dump a whole table)."""

from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, 50 by default, 500 at most."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
