# Reserved for outbound mail; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("channels", "0003_calls")]
    operations = []
