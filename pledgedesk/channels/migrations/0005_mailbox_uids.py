# Reserved for IMAP UIDVALIDITY and UID tracking; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0004_outbound")]
    operations = []
