"""Knowledge base (RK-12, RL-12, PR-7): articles in Markdown, their categories, who may read
them, the votes they get, the tickets they helped and the visits suggestions led to."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The languages an article may be written in: each is a PostgreSQL text search configuration
# (migration 0002 builds one tsvector per row in the row's language) and an FTS5 porter stemmer
# handles them alike on SQLite.
LANGUAGES = ("english", "german", "french", "spanish", "dutch", "simple")


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    class Visibility(models.TextChoices):
        PUBLIC = "public"  # anyone, signed in or not
        PLANS = "plans"  # contacts of organisations holding one of ``plans``
        AGENTS = "agents"  # agents only

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown; a line '!video URL' embeds an allowed video.")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="articles")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    language = models.CharField(max_length=20, choices=[(x, x) for x in LANGUAGES],
                                default="english")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "visibility"], name="kb_article_reach")]

    def __str__(self) -> str:
        return self.title


class ArticlePlan(models.Model):
    """A plan whose customers may read a ``plans`` article (one row per plan key)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="plans")
    plan = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "plan"],
                                               name="kb_article_plan_once")]


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    size = models.PositiveIntegerField()


class ArticleVote(models.Model):
    """RL-12: "was this helpful", one per person per article (a second vote changes it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="kb_votes")
    helpful = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"],
                                               name="kb_vote_once_per_person")]


class ArticleLink(models.Model):
    """RK-12: an agent's public reply linked the article; the article shows the tickets it
    helped."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="kb_links")
    event_id = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "ticket"],
                                               name="kb_link_once_per_ticket")]


class SuggestionVisit(models.Model):
    """Deflection: a customer opened an article the new-request form (or widget) suggested.
    Deflected when the same person opened no request within ``DEFLECTION_WINDOW`` after."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="visits")
    # The contact, not their login: a widget user whose host product signs them in may have
    # no portal login at all, and a request that follows is matched by its requester.
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE,
                                related_name="kb_visits")
    source = models.CharField(max_length=10)  # "portal" or "widget"
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["at"], name="kb_visit_at")]


class ArticleSearch(models.Model):
    """The searchable text of an article, one row per article, kept by ``kb.services``. The
    vendor's index over it is built by migration 0002 (PostgreSQL tsvector + GIN in the row's
    language; SQLite FTS5 by triggers)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True,
                                   related_name="search")
    language = models.CharField(max_length=20, default="english")
    title = models.TextField(default="")
    body = models.TextField(default="")
