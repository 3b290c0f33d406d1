"""The web layer's one table: sign-in limit counters, kept in the database when Redis is not
configured or not answering (``web.ratelimit``)."""

from __future__ import annotations

from django.db import models


class SignInCounter(models.Model):
    """Attempts on one account, or failures from one client address, since ``started_at``.

    Written only by ``web.ratelimit`` with one atomic ``INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING``: a read-then-write would let forty parallel guesses all read "0 so far"."""

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField()
    started_at = models.DateTimeField(db_index=True)  # old windows are deleted by this

    class Meta:
        db_table = "web_signincounter"  # named in ratelimit's hand-written upsert

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.started_at:%Y-%m-%d %H:%M:%S}"
