# PolicyVersion now belongs to the versions app (versions 0001), below accounts and tickets,
# so that accounts can read policy versions without importing tickets. The table, its rows and
# the ticket's foreign key constraint stay as they are: only Django's record of the models moves.
# The content type moves too (same id), so admin history and permissions keep pointing at it.

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(source, target):
    def move(apps, schema_editor):
        content_types = apps.get_model('contenttypes', 'ContentType').objects.using(
            schema_editor.connection.alias)
        if not content_types.filter(app_label=target, model='policyversion').exists():
            content_types.filter(app_label=source, model='policyversion').update(
                app_label=target)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('tickets', '0005_drop_redundant_fk_indexes'),
        ('versions', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='ticket',
                    name='policy_version',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='versions.policyversion'),
                ),
                migrations.DeleteModel(name='PolicyVersion'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type('tickets', 'versions'),
                             _move_content_type('versions', 'tickets')),
    ]
