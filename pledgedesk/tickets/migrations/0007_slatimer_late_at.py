# The engine's late_at on SLA timers (issue 12): a running timer is breached strictly after
# late_at, the next opening when due_at is a closing time. Rows written before this column
# existed get late_at = due_at, the rule every reader applied to them until now, so nothing a
# person reads changes for them; the ticket's next change (or the worker's sweep, when it
# recomputes timers) writes the engine's own late_at. A migration cannot replay the SLA engine:
# that would tie it to today's policy and calendar code.

from django.db import migrations, models
from django.db.models import F


def fill_late_at(apps, schema_editor):
    SlaTimer = apps.get_model("tickets", "SlaTimer")
    SlaTimer.objects.using(schema_editor.connection.alias).filter(
        due_at__isnull=False, late_at__isnull=True).update(late_at=F("due_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0006_policyversion_to_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='slatimer',
            name='late_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_late_at, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='slatimer',
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(('due_at__isnull', True),
                                            ('late_at__isnull', True)),
                                   models.Q(('due_at__isnull', False),
                                            ('late_at__isnull', False)),
                                   _connector='OR'),
                name='sla_timer_late_with_due'),
        ),
        # No query ranges over due_at any more: the breaching and sla_state filters read
        # late_at, which the index below serves; keeping this one would only cost writes.
        migrations.RemoveIndex(
            model_name='slatimer',
            name='sla_timer_running_due',
        ),
        migrations.AddIndex(
            model_name='slatimer',
            index=models.Index(
                condition=models.Q(('met_at__isnull', True),
                                   ('state__in', ['running', 'breached'])),
                fields=['late_at'], name='sla_timer_unmet_late'),
        ),
    ]
