# Reserved for voicemail and hotline calls; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_widget")]
    operations = []
