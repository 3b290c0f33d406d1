# Voicemail and hotline calls (issue 14, FG-4, FG-8): the raw provider callback, kept once.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_widget")]

    operations = [
        migrations.CreateModel(
            name='InboundCall',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(max_length=40)),
                ('call_id', models.CharField(max_length=100)),
                ('received_at', models.DateTimeField()),
                ('state', models.CharField(choices=[('received', 'Received'), ('processing', 'Processing'), ('created', 'Created'), ('held', 'Held'), ('refused', 'Refused'), ('quarantined', 'Quarantined')], default='received', max_length=12)),
                ('reason', models.TextField(blank=True)),
                ('body', models.BinaryField()),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('headers', models.JSONField(default=dict)),
                ('fields', models.JSONField(default=dict)),
                ('caller_number', models.CharField(blank=True, max_length=32)),
                ('called_number', models.CharField(blank=True, max_length=32)),
                ('policy_key', models.CharField(blank=True, max_length=100)),
                ('line', models.CharField(blank=True, max_length=20)),
                ('recording_url', models.URLField(blank=True, max_length=500)),
                ('duration', models.PositiveIntegerField(blank=True, null=True)),
                ('transcription', models.TextField(blank=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('audio', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.attachment')),
                ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.ticket')),
            ],
            options={
                'indexes': [models.Index(fields=['state', 'received_at'], name='inbound_call_state')],
                'constraints': [models.UniqueConstraint(fields=('provider', 'call_id'), name='inbound_call_once')],
            },
        ),
    ]
