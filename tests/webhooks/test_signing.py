"""Standard Webhooks signatures: the spec's test vector, secrets in its format, and two
signatures during a rotation, each verifiable by the spec authors' library."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from pledgedesk.webhooks import signing

# The vector of the spec's reference library (libraries/python/tests, test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_spec_vector_signs_to_its_published_signature():
    assert signing.signature(VECTOR_SECRET, webhook_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP,
                             body=VECTOR_BODY) == VECTOR_SIGNATURE


def test_headers_carry_id_timestamp_and_signature():
    headers = signing.headers([VECTOR_SECRET], webhook_id=VECTOR_ID,
                              timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    assert headers == {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP),
                       "webhook-signature": VECTOR_SIGNATURE}


def test_a_new_secret_is_whsec_and_32_random_bytes():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def _signed(secrets, body='{"type":"ticket.created"}'):
    now = int(time.time())
    return body, signing.headers(secrets, webhook_id="msg_x", timestamp=now, body=body)


def test_the_reference_library_verifies_a_fresh_message():
    secret = signing.new_secret()
    body, headers = _signed([secret])
    assert Webhook(secret).verify(body, headers) == {"type": "ticket.created"}


def test_during_a_rotation_either_secret_verifies():
    new, old = signing.new_secret(), signing.new_secret()
    body, headers = _signed([new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_a_changed_body_or_id_does_not_verify():
    secret = signing.new_secret()
    body, headers = _signed([secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("created", "closed"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_y"})


def test_an_old_timestamp_is_refused_by_the_receiver():
    secret = signing.new_secret()
    body = "{}"
    stale = int(time.time()) - 3600
    headers = signing.headers([secret], webhook_id="msg_x", timestamp=stale, body=body)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, headers)
