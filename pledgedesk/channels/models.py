"""Inbound mail as it arrived, before and after intake read it.

The raw bytes are written first, in their own transaction, by every way in (IMAP fetch, the
MTA pipe, files); parsing and intake happen afterwards and may be repeated, so a message that
breaks the parser, or meets a bug in intake, waits in quarantine for a fix instead of being
lost (uvdesk mailbox#46, FreeScout#5591).
"""

from __future__ import annotations

from django.db import models

from pledgedesk.tickets.models import Message, Ticket


class InboundMessage(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received"  # stored, not processed yet
        PROCESSING = "processing"  # intake claimed it until ``lease_until``
        CREATED = "created"
        APPENDED = "appended"
        IGNORED = "ignored"  # automatic mail: recorded, no ticket
        BOUNCE = "bounce"
        REFUSED = "refused"  # the policy refused the sender (RL-7 ban); kept here
        # Waits for a person's decision: a ticket held for authorisation (FG-10), or no
        # ticket because the sender is unknown (retried once the contact exists).
        HELD = "held"
        QUARANTINED = "quarantined"  # unreadable, oversized or failed: waits for a fix

    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    message_id = models.CharField(max_length=255)  # the header's, or made from the content
    mailbox = models.CharField(max_length=255)  # where it first came from ("imap://.../INBOX")
    received_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True)  # why it was quarantined or ignored
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    ticket_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)  # also the claim's fencing token
    processed_at = models.DateTimeField(null=True, blank=True)
    # The envelope recipient, when the door knows it (``mail ingest --to``, a mailbox's
    # address): which policy's support address the message came to when To/Cc do not say.
    recipient = models.CharField(max_length=254, blank=True)
    # While PROCESSING: when the claim runs out. A processor killed mid-intake leaves the row
    # here; after the lease the next fetch or worker tick takes it over (services).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The same message through two mailboxes or two fetchers is stored once; a reused
            # Message-ID with other content is a different message (FreeScout#4748, #1350).
            models.UniqueConstraint(fields=["message_id", "sha256"], name="inbound_once"),
        ]
        indexes = [
            # Threading: a reply's In-Reply-To/References against this ticket's messages.
            models.Index(fields=["message_id"], name="inbound_message_id",
                         condition=models.Q(ticket__isnull=False)),
            models.Index(fields=["state", "received_at"], name="inbound_state"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.state})"


class MailboxCursor(models.Model):
    """One fetched mailbox: its lease (one fetcher at a time) and where fetching got to."""

    mailbox = models.CharField(max_length=255, unique=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    holder = models.CharField(max_length=64, blank=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    # The highest UID stored under ``uidvalidity``: the next fetch asks only for UIDs above it.
    # A new UIDVALIDITY (the folder was recreated) resets it to 0: everything is fetched
    # again and Message-ID plus content hash keep it one row each.
    last_uid = models.BigIntegerField(default=0)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)  # the last fetch's failure, "" after a success

    def __str__(self) -> str:
        return self.mailbox


class WidgetSettings(models.Model):
    """One organisation's embeddable widget (PR-1): where it may be embedded and the secret
    its host product signs users with (``channels.widget``).

    The secret is kept as it was issued, not hashed: verifying an HMAC needs the key itself.
    It is shown once (at creation and rotation), never logged, never in ``__str__`` or the
    admin. After a rotation the previous secret still verifies until ``previous_until``, so a
    host product can deploy its new key without a gap.
    """

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE,
                                        related_name="widget")
    public_id = models.CharField(max_length=32, unique=True)  # in the embed code and the URL
    origins = models.JSONField(default=list)  # normalised "scheme://host[:port]", sorted
    secret = models.CharField(max_length=64)
    previous_secret = models.CharField(max_length=64, blank=True)
    previous_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    rotated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"widget {self.public_id}"


class OutboundMessage(models.Model):
    """One mail the desk sends about a ticket, made once per outbox delivery (``delivery_key``)
    and kept: its Message-ID is derived from that key and stored before the first attempt, so a
    retried or repeated delivery sends the same message with the same id (the receiver
    deduplicates), and a customer's reply to it threads by In-Reply-To or References."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement"
        REPLY = "reply"  # an agent's public reply: written by a person, never rate-limited
        STATUS = "status"  # solved, awaiting your reply
        NOTICE = "notice"  # FG-10: the primary contact asked to confirm a held request

    class State(models.TextChoices):
        PENDING = "pending"  # rendered; not accepted by the mail server yet (may be retrying)
        SENT = "sent"
        FAILED = "failed"  # refused for good (a 5xx answer, a broken template)
        SUPPRESSED = "suppressed"  # loop protection or a bouncing address: recorded, not sent
        BOUNCED = "bounced"  # sent, then a delivery report came back

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbound_mail",
                               db_index=False)
    delivery_key = models.CharField(max_length=200, unique=True)
    delivery_id = models.BigIntegerField(null=True, blank=True)  # the outbox row (retry)
    message_id = models.CharField(max_length=255, unique=True)  # without <>, as inbound
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)  # space-separated ids, oldest first
    kind = models.CharField(max_length=16, choices=Kind.choices)
    automatic = models.BooleanField()  # Auto-Submitted: auto-replied; rate-limited
    sender = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)  # tickets.Attachment ids
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(blank=True)
    bounce = models.ForeignKey(InboundMessage, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="outbound_ticket"),
                   models.Index(fields=["state", "created_at"], name="outbound_state")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.kind}, {self.state})"


class OutboundRecipient(models.Model):
    """One address an outbound message goes to, with what became of it there: the per-address
    record loop protection counts (osTicket#1041) and a bounce marks."""

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        SUPPRESSED = "suppressed"
        BOUNCED = "bounced"

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE,
                                related_name="recipients")
    address = models.CharField(max_length=254)  # lower-cased
    role = models.CharField(max_length=3)  # to | cc
    automatic = models.BooleanField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "address"],
                                               name="outbound_recipient_once")]
        indexes = [
            # Loop protection: automatic mail sent to one address in the last hour.
            models.Index(fields=["address", "sent_at"], name="outbound_auto_rate",
                         condition=models.Q(automatic=True)),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.state})"


class BouncingAddress(models.Model):
    """An address a delivery report said was undeliverable. Automatic mail to it is held back
    while its last bounce is recent; an agent's reply still goes (the console shows the mark)."""

    address = models.CharField(max_length=254, unique=True)  # lower-cased
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    bounces = models.PositiveIntegerField(default=1)
    reason = models.TextField(blank=True)
    last_message = models.ForeignKey(OutboundMessage, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.address


class InboundCall(models.Model):
    """A telephony provider's callback for a voicemail on one of a policy's phone lines (the
    help line, the private 24x7 hotline: FG-4, FG-8), kept as it arrived before anything reads
    it (``channels.calls``). ``(provider, call_id)`` is unique: a provider repeating its
    callback finds the row and gets the first outcome back, never a second ticket."""

    class State(models.TextChoices):
        RECEIVED = "received"  # stored, not processed yet
        PROCESSING = "processing"  # intake started; a crash leaves it here, for a person
        CREATED = "created"
        # The caller's open ticket from the same line had a voicemail within the window: this
        # one is added to it as their reply (channels.calls, docs/calls.md).
        APPENDED = "appended"
        HELD = "held"  # the caller's number is no contact's: waits for the account look-up
        REFUSED = "refused"  # the policy refused the caller (RL-7 ban); kept here
        QUARANTINED = "quarantined"  # unreadable or failed: waits for a person

    provider = models.CharField(max_length=40)
    call_id = models.CharField(max_length=100)  # the provider's (CallSid), or "sha256:<body>"
    received_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True)
    # The request as the provider sent it: its body byte for byte, the headers that matter
    # (never a secret: the signature is a MAC) and its fields, audio left out.
    body = models.BinaryField()
    content_type = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict)
    fields = models.JSONField(default=dict)
    caller_number = models.CharField(max_length=32, blank=True)  # E.164 when it parses
    called_number = models.CharField(max_length=32, blank=True)
    policy_key = models.CharField(max_length=100, blank=True)  # the line called: whose policy
    line = models.CharField(max_length=20, blank=True)  # and which channel ("voicemail", "hotline")
    recording_url = models.URLField(max_length=500, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)  # seconds
    transcription = models.TextField(blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    audio = models.ForeignKey("tickets.Attachment", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "call_id"], name="inbound_call_once"),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_call_state"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.call_id} ({self.state})"
