# IMAP UIDVALIDITY + UID tracking per mailbox, the inbound row's processing lease and its
# envelope recipient (issue 14, "Email in").
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0004_outbound")]
    operations = [
        migrations.AddField(
            model_name="mailboxcursor", name="last_uid",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="mailboxcursor", name="last_error",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="inboundmessage", name="recipient",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="inboundmessage", name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="inboundmessage", name="state",
            field=models.CharField(choices=[
                ("received", "Received"), ("processing", "Processing"), ("created", "Created"),
                ("appended", "Appended"), ("ignored", "Ignored"), ("bounce", "Bounce"),
                ("refused", "Refused"), ("held", "Held"), ("quarantined", "Quarantined")],
                default="received", max_length=12),
        ),
    ]
