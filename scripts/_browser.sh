# Sourced by scripts/test. The browser tests (tests/e2e) drive Debian's Chromium through
# Playwright; Playwright's own browser download does not work here and is never used. When
# /usr/bin/chromium is missing and this runs as root on a Debian-family system, it is installed
# from the distribution's packages; otherwise the tests that need it fail and say how to get it.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
