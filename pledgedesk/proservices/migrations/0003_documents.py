# Issue 17: a feature request the customer asks for as one (RL-8) has no agent who opened it.
# The engagement documents' downloads needed no schema change.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("proservices", "0002_defect_featurerequest"),
    ]
    operations = [
        migrations.AlterField(
            model_name="featurerequest",
            name="opened_by",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="accounts.agent"),
        ),
    ]
