# Reserved for merging tickets; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_search")]
    operations = []
