"""Where webhooks may go: http(s) URLs without credentials, to public addresses only, checked
when saved and again at delivery (server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from pledgedesk.errors import InvalidInput
from pledgedesk.webhooks import network

PUBLIC = "93.184.215.14"


@pytest.fixture
def production(settings):
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = ()


@pytest.fixture
def dns(monkeypatch):
    """A resolver with a fixed table, so no test asks the network."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if network._literal(host):
            table.setdefault(host, [host])
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in table[host]]

    monkeypatch.setattr(network.socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize(("url", "says"), [
    ("", "required"),
    ("ftp://hooks.example.com/x", "https://"),
    ("javascript:alert(1)", "https://"),
    ("https://user:pw@hooks.example.com/x", "user name or password"),
    ("https://token@hooks.example.com/x", "user name or password"),
    ("https://hooks.example.com/x#frag", "fragment"),
    ("https://hooks.example.com:99999/x", "port"),
    ("https:///x", "host"),
    ("https://hooks.example.com/a b", "spaces"),
    ("https://hooks.example.com/" + "a" * 2000, "longer than"),
])
def test_a_malformed_url_is_refused_naming_the_field(url, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        network.parse_url(url)
    assert refused.value.field == "url"


def test_a_url_keeps_its_path_query_and_port():
    target = network.parse_url("HTTPS://Hooks.Example.com:8443/in?team=7")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https", "hooks.example.com", 8443, "/in?team=7")
    assert target.host_header == "hooks.example.com:8443"
    assert network.parse_url("http://[::1]/").host_header == "[::1]"


@pytest.mark.parametrize("host", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "[::1]", "[fd00::1]", "[fe80::1]", "[::ffff:127.0.0.1]", "224.0.0.1",
    "255.255.255.255",
])
def test_private_loopback_and_reserved_addresses_are_refused(production, host):
    with pytest.raises(InvalidInput, match="public addresses") as refused:
        network.check_url(f"http://{host}/hook")
    assert refused.value.field == "url"


def test_a_public_address_is_accepted(production):
    assert network.check_url(f"https://{PUBLIC}/hook").host == PUBLIC


def test_a_name_resolving_to_a_private_address_is_refused(production, dns):
    dns["intranet.example"] = ["10.0.0.5"]
    with pytest.raises(InvalidInput, match=r"resolves to 10\.0\.0\.5"):
        network.check_url("https://intranet.example/hook")


def test_one_private_address_among_public_ones_refuses_the_name(production, dns):
    dns["mixed.example"] = [PUBLIC, "127.0.0.1"]
    with pytest.raises(network.AddressRefused):
        network.permitted_addresses(network.parse_url("https://mixed.example/"))


def test_a_name_that_does_not_resolve_yet_is_saved_and_checked_at_delivery(production, dns):
    assert network.check_url("https://not-live-yet.example/hook").host == "not-live-yet.example"
    with pytest.raises(OSError):
        network.permitted_addresses(network.parse_url("https://not-live-yet.example/hook"))


def test_the_deployment_may_allow_a_private_network(settings, dns):
    settings.PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
    dns["siem.internal"] = ["10.0.0.5"]
    found = network.permitted_addresses(network.parse_url("https://siem.internal/"))
    assert found == [ipaddress.ip_address("10.0.0.5")]
    with pytest.raises(InvalidInput, match=r"192\.168\.0\.1"):
        network.check_url("http://192.168.0.1/")


def test_the_allowed_networks_come_from_the_environment(tmp_path):
    from pledgedesk import config

    loaded = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                          "PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16, ::1"})
    assert loaded.webhook_allowed_networks == (ipaddress.ip_network("10.20.0.0/16"),
                                               ipaddress.ip_network("::1/128"))
    assert config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)}).webhook_allowed_networks == ()
    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS: "):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                     "PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS": "intranet"})
