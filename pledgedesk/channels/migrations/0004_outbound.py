# Outbound mail (issue 14): each message the desk sends, its recipients, bouncing addresses.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0003_calls")]
    operations = [
        migrations.CreateModel(
            name='OutboundMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('delivery_key', models.CharField(max_length=200, unique=True)),
                ('delivery_id', models.BigIntegerField(blank=True, null=True)),
                ('message_id', models.CharField(max_length=255, unique=True)),
                ('in_reply_to', models.CharField(blank=True, max_length=255)),
                ('references', models.TextField(blank=True)),
                ('kind', models.CharField(choices=[('acknowledgement', 'Acknowledgement'), ('reply', 'Reply'), ('status', 'Status'), ('notice', 'Notice')], max_length=16)),
                ('automatic', models.BooleanField()),
                ('sender', models.CharField(max_length=254)),
                ('reply_to', models.CharField(max_length=254)),
                ('subject', models.CharField(max_length=255)),
                ('text', models.TextField()),
                ('html', models.TextField(blank=True)),
                ('attachments', models.JSONField(blank=True, default=list)),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('suppressed', 'Suppressed'), ('bounced', 'Bounced')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('bounced_at', models.DateTimeField(blank=True, null=True)),
                ('bounce_reason', models.TextField(blank=True)),
                ('bounce', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='channels.inboundmessage')),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='outbound_mail', to='tickets.ticket')),
            ],
        ),
        migrations.CreateModel(
            name='BouncingAddress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(max_length=254, unique=True)),
                ('first_at', models.DateTimeField()),
                ('last_at', models.DateTimeField()),
                ('bounces', models.PositiveIntegerField(default=1)),
                ('reason', models.TextField(blank=True)),
                ('last_message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='channels.outboundmessage')),
            ],
        ),
        migrations.CreateModel(
            name='OutboundRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(max_length=254)),
                ('role', models.CharField(max_length=3)),
                ('automatic', models.BooleanField()),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('suppressed', 'Suppressed'), ('bounced', 'Bounced')], default='pending', max_length=10)),
                ('reason', models.TextField(blank=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='channels.outboundmessage')),
            ],
        ),
        migrations.AddIndex(
            model_name='outboundmessage',
            index=models.Index(fields=['ticket', 'created_at', 'id'], name='outbound_ticket'),
        ),
        migrations.AddIndex(
            model_name='outboundmessage',
            index=models.Index(fields=['state', 'created_at'], name='outbound_state'),
        ),
        migrations.AddIndex(
            model_name='outboundrecipient',
            index=models.Index(condition=models.Q(('automatic', True)), fields=['address', 'sent_at'], name='outbound_auto_rate'),
        ),
        migrations.AddConstraint(
            model_name='outboundrecipient',
            constraint=models.UniqueConstraint(fields=('message', 'address'), name='outbound_recipient_once'),
        ),
    ]
