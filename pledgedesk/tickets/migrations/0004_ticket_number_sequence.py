"""PostgreSQL takes ticket numbers from a sequence instead of locking the TicketNumber row
(see pledgedesk/tickets/numbers.py). The sequence continues from the last number handed out."""

from django.db import migrations

SEQUENCE = "tickets_ticket_number_seq"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'CREATE SEQUENCE {SEQUENCE} AS bigint OWNED BY "tickets_ticket"."number"')
        cursor.execute(
            'SELECT GREATEST(COALESCE((SELECT max("number") FROM "tickets_ticket"), 0),'
            ' COALESCE((SELECT max("last") FROM "tickets_ticketnumber"), 0))')
        last = cursor.fetchone()[0]
        # setval(n, false): the next nextval() returns n itself.
        cursor.execute("SELECT setval(%s, %s, false)", [SEQUENCE, last + 1])


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {SEQUENCE}")
        value, called = cursor.fetchone()
        cursor.execute(
            'INSERT INTO "tickets_ticketnumber" ("id", "last") VALUES (1, %s) '
            'ON CONFLICT ("id") DO UPDATE SET "last" = EXCLUDED."last"',
            [value if called else value - 1])
        cursor.execute(f"DROP SEQUENCE {SEQUENCE}")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_ticket_queue_status_priority"),
    ]

    operations = [
        migrations.RunPython(create_sequence, drop_sequence),
    ]
