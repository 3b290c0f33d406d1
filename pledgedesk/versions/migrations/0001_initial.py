# The PolicyVersion model moves here from the tickets app, whose migration 0001 created its
# table. Only Django's record of the models changes: the table keeps its name (db_table), its
# rows and its constraint; tickets 0006 drops the old model from that record.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tickets', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PolicyVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=100)),
                        ('version', models.CharField(max_length=50)),
                        ('digest', models.CharField(max_length=64)),
                        ('source', models.TextField()),
                        ('loaded_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'tickets_policyversion',
                        'constraints': [models.UniqueConstraint(fields=('key', 'digest'), name='policy_version_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
