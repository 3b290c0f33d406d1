"""An article's Markdown as HTML: markdown-it-py (CommonMark, raw HTML off), then the one
cleaner (``pledgedesk.sanitise``). A line ``!video URL`` becomes an embedded player when URL is
on a host in ``VIDEO_HOSTS``; the player's address is rebuilt from the video's id, never taken
from the text, and the article page's CSP ``frame-src`` lists exactly ``FRAME_HOSTS``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from pledgedesk.sanitise import clean_html

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
_VIDEO_LINE = re.compile(r"^!video\s+(\S+)\s*$", re.M)
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _youtube(url) -> str | None:
    if url.hostname == "youtu.be":
        vid = url.path.strip("/")
    elif url.path.startswith("/embed/"):
        vid = url.path.removeprefix("/embed/")
    else:
        vid = (parse_qs(url.query).get("v") or [""])[0]
    return f"https://www.youtube-nocookie.com/embed/{vid}" if _ID.fullmatch(vid) else None


def _vimeo(url) -> str | None:
    vid = url.path.strip("/").removeprefix("video/")
    return f"https://player.vimeo.com/video/{vid}" if vid.isdigit() else None


# Host a link may name -> how to build the player's address from it.
VIDEO_HOSTS = {
    "www.youtube.com": _youtube, "youtube.com": _youtube, "youtu.be": _youtube,
    "www.youtube-nocookie.com": _youtube, "vimeo.com": _vimeo, "player.vimeo.com": _vimeo,
}
# The hosts players are loaded from: the article pages' frame-src, and nothing else.
FRAME_HOSTS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")


def video_player(link: str) -> str | None:
    """The player address for an allowed video link, or None."""
    url = urlsplit(link)
    build = VIDEO_HOSTS.get((url.hostname or "").lower()) if url.scheme == "https" else None
    return build(url) if build else None


def _markdown(text: str) -> str:
    """Markdown as HTML; headings become h3/h4, the levels the cleaner keeps inside a page."""
    tokens = _MD.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3" if token.tag in ("h1", "h2") else "h4"
    return clean_html(_MD.renderer.render(tokens, _MD.options, {}))


def article_html(body: str) -> SafeString:
    parts, last = [], 0
    for match in _VIDEO_LINE.finditer(body):
        parts.append(_markdown(body[last:match.start()]))
        player = video_player(match.group(1))
        if player is None:  # not an allowed host: shown as the plain address
            parts.append(f"<p>{escape(match.group(1))}</p>")
        else:
            parts.append(
                f'<div class="kb-video"><iframe src="{escape(player)}" title="Video" '
                'loading="lazy" sandbox="allow-scripts allow-same-origin allow-presentation" '
                'allowfullscreen></iframe></div>')
        last = match.end()
    parts.append(_markdown(body[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - cleaned above; iframes built from ids


def has_video(body: str) -> bool:
    return any(video_player(m.group(1)) for m in _VIDEO_LINE.finditer(body))
