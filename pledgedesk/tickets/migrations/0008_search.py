# Reserved for full-text search of tickets; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_slatimer_late_at")]
    operations = []
