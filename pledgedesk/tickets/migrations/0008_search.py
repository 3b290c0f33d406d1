"""Full-text search of tickets (``tickets.search``): the ``TicketSearch`` table, then per
vendor what searches it.

- PostgreSQL: two stored generated tsvector columns, ``public_doc`` (subject, people, public
  conversation: what a contact may search) and ``agent_doc`` (the same plus internal notes),
  weighted A (subject), B (people), C (conversation), D (notes), each with a GIN index.
- SQLite: an FTS5 table over the same four columns with the search table as its external
  content, kept in step by triggers in the writing statement's transaction.

Existing tickets are indexed here too, so search finds what was there before it.
"""

from django.db import migrations, models

# One expression per document; the query side (tickets.search) names the columns, never these.
_PUBLIC = ("setweight(to_tsvector('english', subject), 'A') || "
           "setweight(to_tsvector('english', people), 'B') || "
           "setweight(to_tsvector('english', public_body), 'C')")
_AGENT = f"{_PUBLIC} || setweight(to_tsvector('english', internal_body), 'D')"

POSTGRESQL = [
    f"ALTER TABLE tickets_ticketsearch ADD COLUMN public_doc tsvector "
    f"GENERATED ALWAYS AS ({_PUBLIC}) STORED",
    f"ALTER TABLE tickets_ticketsearch ADD COLUMN agent_doc tsvector "
    f"GENERATED ALWAYS AS ({_AGENT}) STORED",
    "CREATE INDEX ticket_search_public ON tickets_ticketsearch USING gin (public_doc)",
    "CREATE INDEX ticket_search_agent ON tickets_ticketsearch USING gin (agent_doc)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS ticket_search_agent",
    "DROP INDEX IF EXISTS ticket_search_public",
    "ALTER TABLE tickets_ticketsearch DROP COLUMN IF EXISTS agent_doc",
    "ALTER TABLE tickets_ticketsearch DROP COLUMN IF EXISTS public_doc",
]

_COLUMNS = "subject, people, public_body, internal_body"
_NEW = "new.subject, new.people, new.public_body, new.internal_body"
_OLD = "old.subject, old.people, old.public_body, old.internal_body"
SQLITE = [
    f"CREATE VIRTUAL TABLE tickets_ticketsearch_fts USING fts5({_COLUMNS}, "
    "content='tickets_ticketsearch', content_rowid='ticket_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER tickets_ticketsearch_ai AFTER INSERT ON tickets_ticketsearch BEGIN "
    f"INSERT INTO tickets_ticketsearch_fts(rowid, {_COLUMNS}) VALUES (new.ticket_id, {_NEW}); "
    "END",
    f"CREATE TRIGGER tickets_ticketsearch_ad AFTER DELETE ON tickets_ticketsearch BEGIN "
    f"INSERT INTO tickets_ticketsearch_fts(tickets_ticketsearch_fts, rowid, {_COLUMNS}) "
    f"VALUES ('delete', old.ticket_id, {_OLD}); END",
    f"CREATE TRIGGER tickets_ticketsearch_au AFTER UPDATE ON tickets_ticketsearch BEGIN "
    f"INSERT INTO tickets_ticketsearch_fts(tickets_ticketsearch_fts, rowid, {_COLUMNS}) "
    f"VALUES ('delete', old.ticket_id, {_OLD}); "
    f"INSERT INTO tickets_ticketsearch_fts(rowid, {_COLUMNS}) VALUES (new.ticket_id, {_NEW}); "
    "END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS tickets_ticketsearch_au",
    "DROP TRIGGER IF EXISTS tickets_ticketsearch_ad",
    "DROP TRIGGER IF EXISTS tickets_ticketsearch_ai",
    "DROP TABLE IF EXISTS tickets_ticketsearch_fts",
]

# Tickets already there: one row each, people and conversation gathered by SQL.
_PEOPLE = "concat_ws(' ', c.name, t.caller_number, o.name)"
_BODY = ("(SELECT coalesce(string_agg(m.body, ' ' ORDER BY m.id), '') FROM tickets_message m "
         "WHERE m.ticket_id = t.id AND m.visibility = '{}')")
BACKFILL_POSTGRESQL = (
    f"INSERT INTO tickets_ticketsearch (ticket_id, {_COLUMNS}) "
    f"SELECT t.id, t.subject, {_PEOPLE}, {_BODY.format('public')}, "
    f"{_BODY.format('internal')} FROM tickets_ticket t "
    "LEFT JOIN accounts_contact c ON c.id = t.requester_id "
    "LEFT JOIN accounts_organisation o ON o.id = t.organisation_id")
_SQLITE_BODY = ("(SELECT coalesce(group_concat(m.body, ' '), '') FROM tickets_message m "
                "WHERE m.ticket_id = t.id AND m.visibility = '{}')")
BACKFILL_SQLITE = (
    f"INSERT INTO tickets_ticketsearch (ticket_id, {_COLUMNS}) "
    "SELECT t.id, t.subject, trim(coalesce(c.name, '') || ' ' || t.caller_number || ' ' || coalesce(o.name, '')), "
    f"{_SQLITE_BODY.format('public')}, {_SQLITE_BODY.format('internal')} "
    "FROM tickets_ticket t LEFT JOIN accounts_contact c ON c.id = t.requester_id "
    "LEFT JOIN accounts_organisation o ON o.id = t.organisation_id")


class VendorSQL(migrations.RunSQL):
    """RunSQL on one database vendor only: the other's search is built differently."""

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
    dependencies = [("tickets", "0007_slatimer_late_at")]
    operations = [
        migrations.CreateModel(
            name="TicketSearch",
            fields=[
                ("ticket", models.OneToOneField(
                    on_delete=models.deletion.CASCADE, primary_key=True, related_name="search",
                    serialize=False, to="tickets.ticket")),
                ("subject", models.TextField(blank=True, default="")),
                ("people", models.TextField(blank=True, default="")),
                ("public_body", models.TextField(blank=True, default="")),
                ("internal_body", models.TextField(blank=True, default="")),
            ],
        ),
        VendorSQL("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
        VendorSQL("sqlite", SQLITE, SQLITE_REVERSE),
        VendorSQL("postgresql", BACKFILL_POSTGRESQL, "DELETE FROM tickets_ticketsearch"),
        VendorSQL("sqlite", BACKFILL_SQLITE, "DELETE FROM tickets_ticketsearch"),
    ]
