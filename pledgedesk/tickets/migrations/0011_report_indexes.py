# Issue 19 (reports): the period's tickets with the columns a report groups by, in one index
# range scan; the excluded timers (the exclusion reasons); and the status and priority changes
# of a period (the backlog history).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_search_speed")]
    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["received_at"], name="ticket_report_received",
                               include=["id", "policy_version", "plan", "priority",
                                        "organisation", "group", "assignee", "merged_into"]),
        ),
        migrations.AddIndex(
            model_name="slatimer",
            index=models.Index(fields=["ticket"], name="sla_timer_excluded",
                               condition=models.Q(state="excluded")),
        ),
        migrations.AddIndex(
            model_name="ticketevent",
            index=models.Index(
                fields=["at"], name="ticket_event_state_at",
                condition=models.Q(kind__in=["created", "status_changed", "reopened",
                                             "priority_changed"])),
        ),
    ]
