"""PLEDGEDESK_PUBLIC_URL: the base of every link the desk sends, checked at start."""

import pytest

from pledgedesk.config import DEFAULT_PUBLIC_URL, ConfigError, load


def _load(tmp_path, **env):
    return load({"PLEDGEDESK_DATA_DIR": str(tmp_path), **env})


def test_the_default_is_the_demo_address(tmp_path):
    assert _load(tmp_path).public_url == DEFAULT_PUBLIC_URL == "http://127.0.0.1:8000"


@pytest.mark.parametrize("given, kept", [
    ("https://help.example.com/", "https://help.example.com"),
    ("https://example.com/support", "https://example.com/support"),
])
def test_an_address_is_kept_without_its_trailing_slash(tmp_path, given, kept):
    assert _load(tmp_path, PLEDGEDESK_PUBLIC_URL=given).public_url == kept


@pytest.mark.parametrize("bad", ["ftp://help.example.com", "help.example.com",
                                 "https://user:pw@help.example.com", "https://h.example?x=1",
                                 "https:///nohost"])
def test_a_bad_address_names_the_variable(tmp_path, bad):
    with pytest.raises(ConfigError, match=r"^PLEDGEDESK_PUBLIC_URL: "):
        _load(tmp_path, PLEDGEDESK_PUBLIC_URL=bad)
