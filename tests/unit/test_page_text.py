"""What every page writes the same way: paging ("Trang n / m", links to the pages before
and after, the list's own address kept) and numbers in the reader's language."""

from __future__ import annotations

import re

from services.gateway.web.rendering import templates
from shared.i18n import gettext


def paging_html(number: int, pages: int, url: object) -> str:
    macro = templates.get_template("_paging.html").make_module(
        {"_": lambda key, **params: gettext(key, "vi", **params)}
    )
    return str(macro.paging(number, pages, url))  # type: ignore[attr-defined]


def links(html: str) -> dict[str, str]:
    return {rel: href for href, rel in re.findall(r'href="([^"]+)" rel="(\w+)"', html)}


def test_the_middle_page_links_both_ways_and_the_ends_only_inwards() -> None:
    url = "/startups?ward=an-nhon&p={}".format
    assert links(paging_html(2, 3, url)) == {
        "prev": "/startups?ward=an-nhon&amp;p=1",
        "next": "/startups?ward=an-nhon&amp;p=3",
    }
    assert links(paging_html(1, 3, url)) == {"next": "/startups?ward=an-nhon&amp;p=2"}
    assert links(paging_html(3, 3, url)) == {"prev": "/startups?ward=an-nhon&amp;p=2"}
    assert links(paging_html(1, 1, url)) == {}
    assert gettext("web.page_of", "vi", page=2, pages=3) in paging_html(2, 3, url)


def test_numbers_read_as_each_language_writes_them() -> None:
    shown = templates.from_string(
        "{{ 7.55|decimal }} {{ 12.5|decimal(1) }} {{ 1234567.891|decimal }}"
    )
    assert shown.render(locale="vi") == "7,55 12,5 1.234.567,89"
    assert shown.render(locale="en") == "7.55 12.5 1,234,567.89"
