# Issue 14: a voicemail appended to the caller's open ticket from the same line (channels.calls).
# Choices only: no schema change on either database.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0005_mailbox_uids")]
    operations = [
        migrations.AlterField(
            model_name="inboundcall",
            name="state",
            field=models.CharField(
                choices=[("received", "Received"), ("processing", "Processing"),
                         ("created", "Created"), ("appended", "Appended"), ("held", "Held"),
                         ("refused", "Refused"), ("quarantined", "Quarantined")],
                default="received", max_length=12),
        ),
    ]
