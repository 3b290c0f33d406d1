"""Response headers Django 5.2 does not set itself."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings on every response that has none.

    With script-src 'self' and no 'unsafe-inline', markup that slips into a page (a ticket body
    with <img onerror=...>, say) cannot run script even if sanitising were ever bypassed.

    A response may set ``csp_frame_ancestors`` (a list of origins) to be framed by exactly
    those pages: only the embeddable widget's frame does (portal.widget); every other page
    keeps ``frame-ancestors 'none'``, and an empty list means 'none' too.

    A response may set ``csp_frame_src`` (a list of origins) to load frames from exactly those:
    only knowledge base article pages do, for their allowed video players (kb.render).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        ancestors = getattr(response, "csp_frame_ancestors", None)
        if ancestors is not None:
            policy = with_frame_ancestors(policy, ancestors)
        frames = getattr(response, "csp_frame_src", None)
        if frames is not None:
            policy = with_frame_src(policy, frames)
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


def with_frame_ancestors(policy: str, ancestors) -> str:
    """``policy`` with its frame-ancestors directive replaced; nothing else changes."""
    sources = " ".join(ancestors) or "'none'"
    kept = [d.strip() for d in policy.split(";")
            if d.strip() and not d.strip().startswith("frame-ancestors")]
    return "; ".join([*kept, f"frame-ancestors {sources}"])


def with_frame_src(policy: str, sources) -> str:
    """``policy`` with a frame-src directive naming exactly ``sources`` ('none' if empty)."""
    kept = [d.strip() for d in policy.split(";")
            if d.strip() and not d.strip().startswith("frame-src")]
    joined = " ".join(sources) or "'none'"
    return "; ".join([*kept, f"frame-src {joined}"])
