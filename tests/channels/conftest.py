import os

import pytest

from tests.channels import dovecot


@pytest.fixture(scope="session")
def imap_server():
    """A real IMAP server. Missing Dovecot fails the tests that need it (never a skip): CI must
    not pass without having fetched real mail."""
    if not os.path.exists(dovecot.DOVECOT):
        pytest.fail(f"{dovecot.DOVECOT} is missing: install Debian's dovecot-imapd "
                    "(apt-get install -y dovecot-imapd); ./scripts/test does this as root")
    server = dovecot.start()
    yield server
    server.stop()
