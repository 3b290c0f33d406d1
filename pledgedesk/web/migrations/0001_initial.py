from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SignInCounter",
            fields=[
                ("key", models.CharField(max_length=80, primary_key=True, serialize=False)),
                ("count", models.PositiveIntegerField()),
                ("started_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "db_table": "web_signincounter",
            },
        ),
    ]
