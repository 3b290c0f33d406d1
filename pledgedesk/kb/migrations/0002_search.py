"""Full-text search of articles (``kb.search``), built per vendor the way tickets' search is
(tickets migration 0008).

- PostgreSQL: a stored generated tsvector ``doc`` in the row's own language (title weighted A,
  body B), with a GIN index. The language is one of ``kb.models.LANGUAGES``; each branch names
  its configuration as a constant, so the expression is immutable as a generated column must be.
- SQLite: an FTS5 table over title and body with the search table as its external content,
  kept in step by triggers.
"""

from django.db import migrations

from pledgedesk.kb.models import LANGUAGES


def _doc(language: str) -> str:
    return (f"setweight(to_tsvector('{language}', title), 'A') || "
            f"setweight(to_tsvector('{language}', body), 'B')")


_DOC = ("CASE language " + " ".join(f"WHEN '{x}' THEN {_doc(x)}" for x in LANGUAGES)
        + f" ELSE {_doc('simple')} END")

POSTGRESQL = [
    f"ALTER TABLE kb_articlesearch ADD COLUMN doc tsvector GENERATED ALWAYS AS ({_DOC}) STORED",
    "CREATE INDEX kb_article_search_doc ON kb_articlesearch USING gin (doc)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS kb_article_search_doc",
    "ALTER TABLE kb_articlesearch DROP COLUMN IF EXISTS doc",
]

SQLITE = [
    "CREATE VIRTUAL TABLE kb_articlesearch_fts USING fts5(title, body, "
    "content='kb_articlesearch', content_rowid='article_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER kb_articlesearch_ai AFTER INSERT ON kb_articlesearch BEGIN "
    "INSERT INTO kb_articlesearch_fts(rowid, title, body) "
    "VALUES (new.article_id, new.title, new.body); END",
    "CREATE TRIGGER kb_articlesearch_ad AFTER DELETE ON kb_articlesearch BEGIN "
    "INSERT INTO kb_articlesearch_fts(kb_articlesearch_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); END",
    "CREATE TRIGGER kb_articlesearch_au AFTER UPDATE ON kb_articlesearch BEGIN "
    "INSERT INTO kb_articlesearch_fts(kb_articlesearch_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); "
    "INSERT INTO kb_articlesearch_fts(rowid, title, body) "
    "VALUES (new.article_id, new.title, new.body); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_articlesearch_au",
    "DROP TRIGGER IF EXISTS kb_articlesearch_ad",
    "DROP TRIGGER IF EXISTS kb_articlesearch_ai",
    "DROP TABLE IF EXISTS kb_articlesearch_fts",
]


class VendorSQL(migrations.RunSQL):
    """RunSQL on one database vendor only."""

    def __init__(self, vendor: str, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, *args], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]
    operations = [
        VendorSQL("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
        VendorSQL("sqlite", SQLITE, SQLITE_REVERSE),
    ]
