import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgentPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("timezone", models.CharField(default="UTC", max_length=64)),
                ("agent", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="preference", to="accounts.agent")),
            ],
        ),
    ]
