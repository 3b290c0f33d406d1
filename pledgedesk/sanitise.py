"""The one HTML sanitiser: what of a message body or description may render, in every door.

The portal and console (``web.present``) and the API's ``*_html`` fields (``api.render``) call
``clean_html``; before there was one nh3 cleaner each, with different allow-lists, so a body
rendered with its table on a page and without it through the API.

Kept: text formatting, lists, code, quotes, small headings, tables and links; nothing that
loads or runs anything (no img, no style, no script, no forms). nh3 drops every attribute not
listed, so on* handlers, class and style never survive; a link keeps only its ``href``, with
http, https or mailto, and gets ``rel="noopener noreferrer nofollow"``. Script and style
elements lose their content too, and comments are dropped.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({
    "p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code", "pre",
    "blockquote", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Built once: nh3.clean builds its sanitiser on every call, seven times the cost of cleaning
# a short body.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer nofollow", clean_content_tags={"script", "style"},
    strip_comments=True,
)


def clean_html(text: str | None) -> str:
    """``text`` with only the allowed markup left; plain text comes back escaped."""
    return _CLEANER.clean(text or "")
