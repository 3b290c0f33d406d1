# Reserved for the embeddable widget; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial")]
    operations = []
