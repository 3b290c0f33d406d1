#!/usr/bin/env python3
"""Knowledge base search latency (issue 18). A benchmark, not a test.

    .venv/bin/python benchmarks/kb_search_bench.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/kb_search_bench.py --database sqlite --articles 10000

A throwaway database per vendor (a temp data dir with SQLite; ``scripts/pgdb create`` on
PostgreSQL), migrated; N articles written in bulk with their search rows (SQLite: the FTS5
triggers fill the index; PostgreSQL: the generated tsvector and its GIN index), a mix of
visibilities (70 % public, 20 % for one of three plans, 10 % agents only) and languages (90 %
English, 10 % German), bodies of 80-400 words from a help-desk vocabulary with a Zipf-like skew.
Then ``kb.search.search_articles`` (the selector every door calls, visibility included) is
timed in process for a fixed mix of queries, as an agent and as a contact of a plan (the
visibility subquery), and the median and p95 per principal are printed, with the number of
rows each query finds. Databases and temp dirs are removed at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
QUERIES = ["password", "invoice export", '"reset the password"', "printer -network",
           "sso or saml", "zeppelin", "webhook signature", "timezone", "api token", "backup"]
COMMON = (
    "the", "a", "to", "and", "of", "in", "for", "is", "on", "with", "your", "you", "it", "this",
    "that", "be", "are", "as", "can", "from", "account", "password", "reset", "user", "login",
    "email", "invoice", "export", "report", "settings", "page", "ticket", "customer", "support",
    "team", "data", "file", "access", "network", "printer", "server", "update"
)
RARE = (
    "zeppelin", "saml", "sso", "webhook", "signature", "timezone", "token", "backup", "restore",
    "calendar", "holiday", "escalation", "priority", "widget", "portal", "console", "api",
    "integration", "csv", "pdf", "firewall", "proxy", "certificate", "dns", "smtp", "imap",
    "oauth"
)


def vocabulary(rng: random.Random, n: int) -> str:
    words = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.85:
            words.append(COMMON[min(int(rng.paretovariate(1.2)) - 1, len(COMMON) - 1)])
        elif pick < 0.97:
            words.append(rng.choice(RARE))
        else:
            words.append(f"w{rng.randrange(20000)}")
    return " ".join(words)


def setup(database: str) -> tuple[Path, str | None]:
    data = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    url = None
    if database == "postgresql":
        name = f"pledgedesk_kb_bench_{os.getpid()}"
        subprocess.run([sys.executable, str(ROOT / "scripts/pgdb"), "create", name], check=True)
        url = f"{PG_SERVER}/{name}"
    return data, url


def load(count: int, rng: random.Random, now: datetime) -> None:
    from django.db import connection, transaction

    from pledgedesk.kb.models import Article, ArticlePlan, ArticleSearch

    articles, plans, rows = [], [], []
    for i in range(count):
        title = vocabulary(rng, rng.randint(3, 8)).capitalize()
        body = vocabulary(rng, rng.randint(80, 400))
        roll = rng.random()
        visibility = "public" if roll < 0.7 else "plans" if roll < 0.9 else "agents"
        language = "german" if rng.random() < 0.1 else "english"
        articles.append(Article(pk=i + 1, slug=f"a-{i + 1}", title=title, body=body,
                                status="published", visibility=visibility, language=language,
                                created_at=now, updated_at=now))
        if visibility == "plans":
            plans.append(ArticlePlan(article_id=i + 1, plan=rng.choice(
                ["standard", "enterprise", "premium"])))
        rows.append(ArticleSearch(article_id=i + 1, language=language, title=title, body=body))
    with transaction.atomic():
        Article.objects.bulk_create(articles, batch_size=1000)
        ArticlePlan.objects.bulk_create(plans, batch_size=1000)
        ArticleSearch.objects.bulk_create(rows, batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def principals(now: datetime):
    from django.contrib.auth import get_user_model

    from pledgedesk.accounts.authorization import Principal
    from pledgedesk.accounts.models import Agent, Contact, Organisation

    org = Organisation.objects.create(name="Bench", policy_key="crm-regional",
                                      plans=["enterprise"], created_at=now)
    person = Contact.objects.create(organisation=org, name="Reader", created_at=now)
    user = get_user_model().objects.create_user("bench-agent")
    agent = Agent.objects.create(user=user, name="Bench agent", roles=["engineer"])
    return {"agent": Principal(agent=agent), "contact (enterprise plan)": Principal(
        contact=Contact.objects.select_related("organisation").get(pk=person.pk))}


def measure(principal, rounds: int) -> tuple[list[float], dict[str, int]]:
    from pledgedesk.kb.search import search_articles

    times, found = [], {}
    for q in QUERIES:  # warm-up, and the number of hits (first page of 10)
        found[q] = len(search_articles(principal=principal, text=q))
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            search_articles(principal=principal, text=q)
            times.append(time.perf_counter() - start)
    return times, found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(database: str, count: int, rounds: int) -> None:
    data, url = setup(database)
    try:
        os.environ["PLEDGEDESK_DATA_DIR"] = str(data)
        if url:
            os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = "pledgedesk.project.settings"
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        now = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
        started = time.perf_counter()
        load(count, random.Random(18), now)
        print(f"{database}: {count} articles loaded in {time.perf_counter() - started:.1f} s")
        for name, principal in principals(now).items():
            times, found = measure(principal, rounds)
            print(f"  {name}: {len(times)} searches, median "
                  f"{statistics.median(times) * 1000:.2f} ms, p95 {pct(times, 0.95) * 1000:.2f} ms")
            print("    hits (first 10): " + ", ".join(f"{q}={n}" for q, n in found.items()))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(data, ignore_errors=True)
        if url:
            subprocess.run([sys.executable, str(ROOT / "scripts/pgdb"), "drop",
                            url.rsplit("/", 1)[1]], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if args.database == "both":  # one process per vendor: Django is set up once per process
        for vendor in ("sqlite", "postgresql"):
            subprocess.run([sys.executable, __file__, "--database", vendor, "--articles",
                            str(args.articles), "--rounds", str(args.rounds)], check=True)
        return
    run(args.database, args.articles, args.rounds)


if __name__ == "__main__":
    main()
