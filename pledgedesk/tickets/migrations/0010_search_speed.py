"""Search speed at a million tickets (issue 16): the search row carries its ticket's
organisation, indexed with the ticket id, so a contact's search (narrowed to an organisation by
``visible_tickets``) walks that organisation's newest rows by index and stops after a page's
candidates, instead of walking the whole table's newest rows and discarding other
organisations' (``tickets.search``). ``tickets.search`` keeps the column in step with the
ticket in the same transaction as every change of the ticket's organisation.

Existing rows are filled from their tickets here. On SQLite the UPDATE fires the FTS5 trigger,
which rewrites the row's (unchanged) text: slow only on databases far larger than SQLite serves.
"""

from django.db import migrations, models

BACKFILL = ("UPDATE tickets_ticketsearch SET organisation_id = (SELECT t.organisation_id "
            "FROM tickets_ticket t WHERE t.id = tickets_ticketsearch.ticket_id)")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("tickets", "0009_merge")]
    operations = [
        migrations.AddField(
            model_name="ticketsearch",
            name="organisation",
            field=models.ForeignKey(
                blank=True, db_index=False, null=True,
                on_delete=models.deletion.SET_NULL, related_name="+",
                to="accounts.organisation"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="ticketsearch",
            index=models.Index(fields=["organisation", "ticket"], name="ticket_search_org"),
        ),
    ]
