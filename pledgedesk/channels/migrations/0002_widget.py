# The embeddable widget (PR-1): one organisation's embedding origins and signing secret.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial"), ("accounts", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name='WidgetSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.CharField(max_length=32, unique=True)),
                ('origins', models.JSONField(default=list)),
                ('secret', models.CharField(max_length=64)),
                ('previous_secret', models.CharField(blank=True, max_length=64)),
                ('previous_until', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField()),
                ('rotated_at', models.DateTimeField()),
                ('organisation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='widget', to='accounts.organisation')),
            ],
        ),
    ]
