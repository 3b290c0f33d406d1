"""Markdown in what agents write (issue 16): a reply, note or call summary is stored as the
agent typed it (the mail's text/plain part and the API's ``body`` carry that text, readable as
it is) and shown as HTML rendered by markdown-it-py (CommonMark with tables and
strikethrough; raw HTML off, so a tag typed is shown as text), bare addresses made links
(linkify), single line breaks kept, then cleaned by the one cleaner (``sanitise``), which
gives every link ``rel="noopener noreferrer nofollow"`` and drops any scheme but http(s)
and mailto. What customers write is not Markdown: it keeps ``sanitise.clean_html`` alone."""

from __future__ import annotations

from markdown_it import MarkdownIt

from pledgedesk.sanitise import clean_html

_MD = (MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
       .enable(["table", "strikethrough", "linkify"]))


def markdown_html(text: str | None) -> str:
    """``text`` (Markdown) as clean HTML."""
    return clean_html(_MD.render(text or ""))

