"""The telephony providers' secrets come from the environment, never a policy file (FG-4)."""

import pytest

from pledgedesk import config


def test_the_calls_secret_and_twilio_token_name_their_providers(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                       "PLEDGEDESK_CALLS_SECRET": "s" * 32,
                       "PLEDGEDESK_TWILIO_AUTH_TOKEN": "t0k3n"})
    assert cfg.call_providers == (("pledgedesk", "hmac-sha256", "s" * 32),
                                  ("twilio", "twilio", "t0k3n"))
    assert config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)}).call_providers == ()


def test_a_short_calls_secret_is_refused_naming_the_variable(tmp_path):
    with pytest.raises(config.ConfigError) as refused:
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "PLEDGEDESK_CALLS_SECRET": "short"})
    assert str(refused.value).startswith("PLEDGEDESK_CALLS_SECRET:")
    assert "short" not in str(refused.value)  # a secret is never echoed


def test_the_phone_numbers_this_desk_answers_are_read_and_checked(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                       "PLEDGEDESK_PHONE_NUMBERS": "952-252-3620, +1 (952) 555-0999"})
    assert cfg.phone_numbers == ("952-252-3620", "+1 (952) 555-0999")
    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_PHONE_NUMBERS: 'sales'"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "PLEDGEDESK_PHONE_NUMBERS": "sales"})
