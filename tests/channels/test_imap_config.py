"""pledgedesk.config.imap: PLEDGEDESK_IMAP_URL read and checked, one line naming it."""

import pytest

from pledgedesk import cli, config


def test_unset_is_none():
    assert config.imap({}) is None


@pytest.mark.parametrize(("url", "port", "starttls", "ssl", "folder"), [
    ("imap://desk:pw@mail:1143/INBOX", 1143, False, False, "INBOX"),
    ("imap://desk:pw@mail", 143, False, False, "INBOX"),
    ("imap+tls://desk:pw@mail/Support%20Mail", 143, True, False, "Support Mail"),
    ("imaps://desk:pw@mail/", 993, False, True, "INBOX"),
])
def test_url_forms(url, port, starttls, ssl, folder):
    cfg = config.imap({"PLEDGEDESK_IMAP_URL": url})
    assert (cfg.host, cfg.port, cfg.starttls, cfg.ssl, cfg.folder) == (
        "mail", port, starttls, ssl, folder)


def test_credentials_are_percent_decoded_and_never_in_the_mailbox_name():
    cfg = config.imap({"PLEDGEDESK_IMAP_URL": "imap://desk%40corp:p%2Fw@mail:143/INBOX"})
    assert (cfg.user, cfg.password) == ("desk@corp", "p/w")
    assert cfg.name == "imap://desk@corp@mail:143/INBOX"
    assert "p/w" not in cfg.name


@pytest.mark.parametrize("url", [
    "pop3://desk:pw@mail/INBOX", "imap://mail/INBOX", "imap://desk@mail/INBOX",
    "imap://desk:pw@mail:99999/INBOX", "imap://desk:pw@/INBOX",
])
def test_bad_urls_name_the_variable(url):
    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_IMAP_URL: "):
        config.imap({"PLEDGEDESK_IMAP_URL": url})


def test_the_command_refuses_a_bad_url_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("PLEDGEDESK_IMAP_URL", "pop3://x:y@mail")
    assert cli.main(["mail", "fetch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pledgedesk: PLEDGEDESK_IMAP_URL: ") and len(err.splitlines()) == 1


def test_several_mailboxes_each_with_its_own_move_folder():
    both = config.imap_all({"PLEDGEDESK_IMAP_URL":
                            "imap://a:pw@mail/INBOX?move_to=Done\n  imaps://b:pw@mail/Support"})
    assert [(m.name, m.move_to) for m in both] == [
        ("imap://a@mail:143/INBOX", "Done"), ("imaps://b@mail:993/Support", None)]
    assert config.imap({"PLEDGEDESK_IMAP_URL": "imap://a:pw@mail imap://b:pw@mail"}).user == "a"
    assert config.imap_all({}) == ()


@pytest.mark.parametrize(("value", "message"), [
    ("imap://a:pw@mail imap://a:pw@mail:143/INBOX", "the same mailbox is listed twice"),
    ("imap://a:pw@mail/INBOX?move=Done", "the only query parameter is move_to=FOLDER"),
    ("imap://a:pw@mail/INBOX?move_to=", "the only query parameter is move_to=FOLDER"),
])
def test_bad_lists_and_queries_name_the_variable(value, message):
    with pytest.raises(config.ConfigError, match=f"^PLEDGEDESK_IMAP_URL: {message}"):
        config.imap_all({"PLEDGEDESK_IMAP_URL": value})
