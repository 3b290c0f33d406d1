# Sourced by scripts/test. The IMAP tests (tests/channels/test_imap_fetch.py) start a throwaway
# Dovecot from Debian's dovecot-imapd on a loopback port. When /usr/sbin/dovecot is missing and
# this runs as root on a Debian-family system, it is installed from the distribution's packages
# (the tests never use a system service the package may start); otherwise those tests fail and say
# how to get it.
if [ ! -x /usr/sbin/dovecot ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's dovecot-imapd for the IMAP tests (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
fi
