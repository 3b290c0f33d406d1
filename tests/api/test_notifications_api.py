"""An agent's notifications and choices through the API; contacts get a 403."""

from __future__ import annotations

from pledgedesk.notify.models import Notification
from tests.pages import NOW


def _note(agent, text, event_id):
    return Notification.objects.create(agent=agent, kind="customer_replied", ticket_id=1,
                                       ticket_number=42, event_id=event_id, text=text,
                                       created_at=NOW)


def test_an_agent_reads_and_marks_their_own(world):
    mine = _note(world.people["agent"], "Customer replied on #42", 1)
    theirs = _note(world.people["revoked"], "not yours", 2)
    api = world.api("agent")
    listed = api.get("notifications?unread=true").json()
    assert [(n["id"], n["ticket"], n["text"]) for n in listed] == [
        (mine.pk, 42, "Customer replied on #42")]
    assert api.post("notifications/read", {"ids": [theirs.pk]}).status_code == 404
    assert api.post("notifications/read", {"ids": [mine.pk]}).json() == {"marked": 1}
    assert api.get("notifications?unread=true").json() == []


def test_settings_round_trip_and_bad_kinds_name_the_field(world):
    api = world.api("agent")
    assert api.get("notifications/settings").json()["digest"] is False
    wanted = {"email_kinds": ["page"], "console_kinds": [], "digest": True,
              "digest_minutes": 60}
    assert api.put("notifications/settings", wanted).json() == wanted
    bad = api.put("notifications/settings", {**wanted, "console_kinds": ["gossip"]})
    assert bad.status_code == 422 and bad.json()["field"] == "console_kinds"


def test_contacts_are_refused(world):
    assert world.api("requester").get("notifications").status_code == 403
    assert world.api("administrator").put("notifications/settings", {
        "email_kinds": [], "console_kinds": [], "digest": False,
        "digest_minutes": 60}).status_code == 403
