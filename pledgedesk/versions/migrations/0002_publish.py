# PR-9 (issue 18): published policy versions. A version takes effect at ``effective_at``;
# ``published_at``/``published_by`` say who published it (empty for a version recorded from
# the policy file). Rows recorded before this migration were in force from the moment they
# were read, so their effective_at is their loaded_at.
from django.db import migrations, models
from django.db.models import F


def effective_from_loaded(apps, schema_editor):
    apps.get_model("versions", "PolicyVersion").objects.update(effective_at=F("loaded_at"))


class Migration(migrations.Migration):
    dependencies = [("versions", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="policyversion", name="effective_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(effective_from_loaded, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="policyversion", name="effective_at",
            field=models.DateTimeField(),
        ),
        migrations.AddField(
            model_name="policyversion", name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="policyversion", name="published_by",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.AddIndex(
            model_name="policyversion",
            index=models.Index(fields=["key", "effective_at"], name="policy_version_effective"),
        ),
    ]
