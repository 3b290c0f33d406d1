"""PLEDGEDESK_TRUSTED_PROXIES: addresses or networks whose X-Forwarded-For is believed."""

from ipaddress import ip_network

import pytest
from django.conf import settings

from pledgedesk import config


def _load(tmp_path, value):
    return config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                        "PLEDGEDESK_TRUSTED_PROXIES": value})


def test_addresses_and_networks_are_read(tmp_path):
    loaded = _load(tmp_path, " 10.0.0.1, 192.168.0.0/16 ,::1,")

    assert loaded.trusted_proxies == (ip_network("10.0.0.1/32"), ip_network("192.168.0.0/16"),
                                      ip_network("::1/128"))


def test_by_default_no_proxy_is_trusted(tmp_path):
    assert config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)}).trusted_proxies == ()
    assert settings.PLEDGEDESK_TRUSTED_PROXIES == ()


@pytest.mark.parametrize("bad", ["proxy.example", "10.0.0.300", "10.0.0.1/33", "192.168.1.1/16",
                                 "10.0.0.1 10.0.0.2"])
def test_a_bad_entry_is_refused_naming_the_variable_and_the_entry(tmp_path, bad):
    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_TRUSTED_PROXIES: ") as raised:
        _load(tmp_path, f"10.0.0.9,{bad}")

    assert repr(bad) in str(raised.value)
