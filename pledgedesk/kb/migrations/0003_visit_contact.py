"""Suggestion visits belong to the contact, not the login (issue 18, widget deflection): a
widget user signed in by the host product may have no portal login. Existing visits take
the contact of their login; a visit by a login with no contact (none can be made through
the portal) is dropped, as it could never be matched to a request."""

import django.db.models.deletion
from django.db import migrations, models


def contacts_from_logins(apps, schema_editor):
    Visit = apps.get_model("kb", "SuggestionVisit")
    Contact = apps.get_model("accounts", "Contact")
    by_user = dict(Contact.objects.filter(user__isnull=False).values_list("user_id", "pk"))
    for visit in Visit.objects.all().only("pk", "user_id").iterator():
        contact = by_user.get(visit.user_id)
        if contact is None:
            visit.delete()
        else:
            Visit.objects.filter(pk=visit.pk).update(contact_id=contact)


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0002_search"),
        ("accounts", "0002_apitoken_expires_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestionvisit", name="contact",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="kb_visits", to="accounts.contact"),
        ),
        migrations.RunPython(contacts_from_logins, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="suggestionvisit", name="contact",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="kb_visits", to="accounts.contact"),
        ),
        migrations.RemoveField(model_name="suggestionvisit", name="user"),
    ]
