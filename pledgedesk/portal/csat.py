"""The satisfaction survey a solved ticket's mail links to (issue 16). The signed link is the
credential (no sign-in: the requester answers from their mail); opening it only shows the
question, so a mail scanner opening links answers nothing; the answer is a POST, once."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from pledgedesk import clock
from pledgedesk.csat import services
from pledgedesk.csat.models import MAX_COMMENT, RATINGS
from pledgedesk.csat.selectors import response_for
from pledgedesk.errors import DeskError, NotFound
from pledgedesk.web.uploads import DeskForm


class SurveyForm(DeskForm):
    rating = forms.TypedChoiceField(label="How satisfied are you with our help?",
                                    choices=RATINGS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label="Anything you want to tell us (optional)",
                              widget=forms.Textarea, max_length=MAX_COMMENT, required=False)


@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    try:
        ticket = services.survey_ticket(token=token[:500])
    except NotFound as exc:
        return render(request, "portal/csat.html", {"refusal": exc.message}, status=404)
    answered = response_for(ticket=ticket)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and answered is None and form.is_valid():
        try:
            answered = services.survey_answer(
                token=token, rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"], now=clock.current())
        except DeskError as exc:
            form.add_error(None, exc.message)
            status = exc.status
    elif request.method == "POST" and answered is None:
        status = 400
    return render(request, "portal/csat.html",
                  {"ticket": ticket, "form": form, "answered": answered}, status=status)
