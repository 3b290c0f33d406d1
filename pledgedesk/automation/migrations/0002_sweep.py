# Issue 15: the SLA sweep reads stored instants instead of running the engine, so a crossing is
# recorded once per (ticket, metric, kind, instant); the clock's cycle is worked out by the
# escalation planner and no longer stored by the sweep (kept, nullable, for earlier rows).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]
    operations = [
        migrations.RemoveConstraint(model_name="slacrossing", name="sla_crossing_once"),
        migrations.AlterField(
            model_name="slacrossing", name="cycle",
            field=models.DateTimeField(blank=True, null=True,
                                       help_text="The start of the clock (the follow-up cycle)."),
        ),
        migrations.AddConstraint(
            model_name="slacrossing",
            constraint=models.UniqueConstraint(fields=("ticket", "metric", "kind", "instant"),
                                               name="sla_crossing_instant_once"),
        ),
    ]
