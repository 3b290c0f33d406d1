"""Customer satisfaction (issue 16): one answer per solved ticket, given through the signed
link in the "solved" mail (``channels.outbound.survey_token``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pledgedesk.accounts.models import Contact
from pledgedesk.tickets.models import Ticket

RATINGS = ((5, "Very satisfied"), (4, "Satisfied"), (3, "Neither"), (2, "Dissatisfied"),
           (1, "Very dissatisfied"))
MAX_COMMENT = 2000
ANSWERABLE = ("solved", "closed")  # status categories after which the survey is answered


class SurveyResponse(models.Model):
    # One per ticket: the link works once (a second answer is refused, not overwritten).
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    rating = models.PositiveSmallIntegerField(choices=RATINGS)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="csat_created")]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5),
                                              name="csat_rating_1_to_5")]
