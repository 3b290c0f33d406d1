"""Merging tickets (issue 16): a merged ticket names the ticket it continues in."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_search")]
    operations = [
        migrations.AddField(
            model_name="ticket",
            name="merged_into",
            field=models.ForeignKey(
                blank=True, db_index=False, null=True,
                on_delete=django.db.models.deletion.PROTECT, related_name="merged_from",
                to="tickets.ticket"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(condition=models.Q(("merged_into__isnull", False)),
                               fields=["merged_into"], name="ticket_merged_into"),
        ),
    ]
