"""The console's API token page: an administrator lists every token (whose it is, when it was
made, when it expires, when it was last used) and revokes any of them. The role check is the
service's (``accounts.tokens``); this page parses, calls it and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pledgedesk.accounts.tokens import token_list, token_revoke_as
from pledgedesk.console.views import _base, agent_required
from pledgedesk.errors import NotFound, PermissionDenied


@require_safe
@agent_required
def tokens_page(request):
    try:
        tokens = token_list(agent=request.agent)
    except PermissionDenied as exc:
        return _refused(request, exc)
    return render(request, "console/tokens.html",
                  _base(request, tokens=tokens, section="tokens"))


@require_POST
@agent_required
def revoke(request, token_id: int):
    try:
        token = token_revoke_as(agent=request.agent, token_id=token_id, now=request.now)
    except PermissionDenied as exc:
        return _refused(request, exc)
    except NotFound:
        raise Http404("no such API token") from None
    messages.success(request, f"Token “{token.name}” ({token.prefix}…) is revoked.")
    return redirect("console:tokens")


def _refused(request, exc: PermissionDenied):
    return render(request, "console/tokens.html",
                  _base(request, refused=exc.message, section="tokens"), status=403)
