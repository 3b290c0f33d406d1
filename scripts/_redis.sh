# Sourced by scripts/test. The sign-in race tests (tests/signin/test_race.py) run against the
# Redis in REDIS_URL, or else start a throwaway redis-server on a loopback port. When
# /usr/bin/redis-server is missing and this runs as root on a Debian-family system, it is
# installed from the distribution's packages (the tests never use a system service the package
# may start); otherwise those tests fail and say how to get it.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1 \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's redis-server for the sign-in race tests (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
