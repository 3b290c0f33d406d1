"""Pledgedesk's configuration, read from the environment in one place.

Every setting Pledgedesk reads from the environment is parsed and checked here, so that a bad
value fails at start-up with one clear line that names the variable, instead of a traceback
from deep inside Django or a database driver.

Variables (all optional; without them Pledgedesk runs on its embedded default):

``PLEDGEDESK_DATA_DIR``
    Where the embedded default keeps its state: the SQLite database (WAL mode), the generated
    secret key, attachments, collected static files and the job queue. Created if missing.
    Default: ``$XDG_DATA_HOME/pledgedesk`` (``~/.local/share/pledgedesk``).
``DATABASE_URL``
    ``sqlite:///absolute/path.sqlite3`` or ``postgres://user:pass@host:port/name``
    (also ``postgresql://``). Default: ``<data dir>/pledgedesk.sqlite3``. On PostgreSQL,
    parameters are bound by the server and hot statements prepared; query options such as
    ``?sslmode=require`` or ``?server_side_binding=false`` (for a pooler that cannot keep
    prepared statements) are passed to the driver.
``REDIS_URL``
    ``redis://``, ``rediss://`` or ``unix://`` URL for the job queue. Default: a SQLite queue
    in the data directory.
``SECRET_KEY``
    Django's signing key. Default: generated once, kept in ``<data dir>/secret_key`` (mode 0600).
``PLEDGEDESK_POLICY_DIR``
    The directory of support policy files (``<key>.toml``) organisations are served under.
    Default: the five seed policies shipped in the repository's ``policies/``.
``PLEDGEDESK_ALLOWED_HOSTS``
    Comma-separated host names the web server answers to. Default: ``127.0.0.1,localhost,[::1]``.
    A name with a space or a control character in it is refused.
``PLEDGEDESK_HEADER_TIMEOUT``
    Whole seconds a client has to send a request's headers (and a kept-alive connection to
    start its next request) before the server closes the connection. Default: 10.
``PLEDGEDESK_BODY_TIMEOUT``
    Whole seconds a client has to send a request's whole body; later, the answer is a 408.
    Default: 60.
``PLEDGEDESK_TRUSTED_PROXIES``
    Comma-separated IP addresses or networks (``10.0.0.1``, ``10.0.0.0/24``, ``::1``) of the
    reverse proxies in front of Pledgedesk. Only a request from one of them has its
    ``X-Forwarded-For`` believed, for the client address sign-in limits slow down. Default:
    none (the peer's address is the client's).
``PLEDGEDESK_PUBLIC_URL``
    The address people reach Pledgedesk at (``https://help.example.com``), for the links in
    mail, pages and feeds. Default: ``http://127.0.0.1:8000``.
``PLEDGEDESK_DEBUG``
    ``1``/``true`` for Django's debug pages. Never in production. Default: off.
``PLEDGEDESK_SMTP_URL``
    Where outgoing mail (password-reset links, FG-2) is sent: ``smtp://user:pass@host:port``
    (plain, port 25 by default), ``smtp+tls://...`` (STARTTLS, port 587) or ``smtps://...``
    (implicit TLS, port 465); user and password are percent-decoded. Default: no SMTP; each
    message is written as a file under ``<data dir>/mail`` so a demo user can read the link.
``PLEDGEDESK_FROM_EMAIL``
    The From address of outgoing mail. Default: ``pledgedesk@localhost``.
``PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS``
    Comma-separated IP addresses or networks webhooks may be sent to although they are
    private, loopback or reserved (an internal SIEM at ``10.20.0.0/16``, say). Everything else
    must be a public address (server-side request forgery, docs/webhooks.md). Default: none.
``PLEDGEDESK_CALLS_SECRET``
    The shared secret a telephony provider signs voicemail callbacks with (HMAC-SHA256,
    docs/calls.md), at least 16 characters; enables ``POST /hooks/calls/pledgedesk/``.
    Default: none (the hook answers 404).
``PLEDGEDESK_TWILIO_AUTH_TOKEN``
    Twilio's auth token, which signs its callbacks (``X-Twilio-Signature``); enables
    ``POST /hooks/calls/twilio/``. Default: none.
``PLEDGEDESK_PHONE_NUMBERS``
    Comma-separated numbers whose voicemail reaches this desk through a provider above
    (``+1 952 252 3620``): the policy page offers a phone line only when its number is here.
    Default: none.
``PLEDGEDESK_IMAP_URL``
    The mailbox ``pledgedesk mail fetch`` and the worker read: ``imap://user:pass@host:port/FOLDER``
    (plain, port 143), ``imap+tls://`` (STARTTLS, 143) or ``imaps://`` (implicit TLS, 993);
    user, password and folder are percent-decoded; the folder defaults to ``INBOX``;
    ``?move_to=FOLDER`` moves fetched mail there instead of flagging it \\Seen. Several
    mailboxes: their URLs separated by spaces or newlines. Default: none.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url

SQLITE_SCHEMES = frozenset({"sqlite"})
POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql"})
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
SQLITE_FILE = "pledgedesk.sqlite3"
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_FROM_EMAIL = "pledgedesk@localhost"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_HEADER_TIMEOUT = 10
DEFAULT_BODY_TIMEOUT = 60
MAIL_DIR = "mail"
# scheme -> (default port, STARTTLS, implicit TLS)
SMTP_SCHEMES = {"smtp": (25, False, False), "smtp+tls": (587, True, False),
                "smtps": (465, False, True)}
POSTGRES_ENGINE = "pledgedesk.project.postgresql"
# psycopg prepares a statement the fifth time a connection runs it (its own default).
PREPARE_THRESHOLD = 5
SHIPPED_POLICIES = Path(__file__).resolve().parent.parent / "policies"

# Applied to every new SQLite connection (Django >= 5.1 runs init_command on connect).
# WAL lets readers proceed while one writer commits; busy_timeout makes a second writer wait
# instead of failing at once with "database is locked".
SQLITE_INIT_COMMAND = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA busy_timeout=10000;"
    "PRAGMA foreign_keys=ON;"
)


class ConfigError(Exception):
    """A configuration value is unusable. The message names the variable and the value."""


@dataclass(frozen=True)
class EmailConfig:
    """Outgoing mail: SMTP when ``PLEDGEDESK_SMTP_URL`` is set, else files in ``file_path``."""

    backend: str
    from_email: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    file_path: Path | None = None


@dataclass(frozen=True)
class Config:
    data_dir: Path
    policy_dir: Path
    database: dict
    redis_url: str | None
    secret_key: str
    allowed_hosts: tuple[str, ...]
    debug: bool
    email: EmailConfig
    header_timeout: int = DEFAULT_HEADER_TIMEOUT
    body_timeout: int = DEFAULT_BODY_TIMEOUT
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    webhook_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    public_url: str = DEFAULT_PUBLIC_URL
    # (provider name in the hook's URL, signature scheme, secret): voicemail callbacks
    call_providers: tuple[tuple[str, str, str], ...] = ()
    phone_numbers: tuple[str, ...] = ()  # the lines those callbacks come from

    @property
    def database_vendor(self) -> str:
        return "sqlite" if self.database["ENGINE"].endswith("sqlite3") else "postgresql"


def load(environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the whole configuration. Raises ConfigError naming the bad variable."""
    env = os.environ if environ is None else environ
    data_dir = _data_dir(env)
    return Config(
        data_dir=data_dir,
        policy_dir=_policy_dir(env),
        database=_database(env, data_dir),
        redis_url=_redis_url(env),
        secret_key=_secret_key(env, data_dir),
        allowed_hosts=_allowed_hosts(env),
        debug=_flag(env, "PLEDGEDESK_DEBUG"),
        email=_email(env, data_dir),
        header_timeout=_seconds(env, "PLEDGEDESK_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT),
        body_timeout=_seconds(env, "PLEDGEDESK_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT),
        trusted_proxies=_trusted_proxies(env),
        webhook_allowed_networks=_networks(env, "PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS"),
        public_url=_public_url(env),
        call_providers=_call_providers(env),
        phone_numbers=_phone_numbers(env),
    )


def _data_dir(env: Mapping[str, str]) -> Path:
    raw = env.get("PLEDGEDESK_DATA_DIR", "").strip()
    if raw:
        path = Path(raw).expanduser()
    else:
        xdg = env.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg else Path(env.get("HOME", "~")).expanduser() / ".local" / "share"
        path = base / "pledgedesk"
    path = path.absolute()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"PLEDGEDESK_DATA_DIR: cannot create data directory {path}: {exc.strerror}"
        ) from None
    if not path.is_dir():
        raise ConfigError(f"PLEDGEDESK_DATA_DIR: {path} is not a directory")
    probe = path / f".write-probe-{secrets.token_hex(4)}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"PLEDGEDESK_DATA_DIR: data directory {path} is not writable: {exc.strerror}"
        ) from None
    return path


def _policy_dir(env: Mapping[str, str]) -> Path:
    raw = env.get("PLEDGEDESK_POLICY_DIR", "").strip()
    path = Path(raw).expanduser().absolute() if raw else SHIPPED_POLICIES
    if not path.is_dir():
        raise ConfigError(f"PLEDGEDESK_POLICY_DIR: {path} is not a directory of policy files")
    return path


def _database(env: Mapping[str, str], data_dir: Path) -> dict:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return _sqlite(data_dir / SQLITE_FILE)
    scheme = urlsplit(url).scheme.lower()
    if scheme in SQLITE_SCHEMES:
        parsed = dj_database_url.parse(url)
        name = str(parsed.get("NAME") or "")
        if not name or name == ":memory:":
            raise ConfigError(
                "DATABASE_URL: a SQLite URL needs a file path, e.g. sqlite:////var/lib/pd.sqlite3"
            )
        return _sqlite(Path(name))
    if scheme in POSTGRES_SCHEMES:
        parsed = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if not parsed.get("NAME"):
            raise ConfigError("DATABASE_URL: the PostgreSQL URL names no database")
        options = parsed.setdefault("OPTIONS", {})
        # Parameters sent apart from the statement and the hot statements prepared once per
        # connection: psycopg no longer quotes every value into the SQL text and PostgreSQL no
        # longer plans the same INSERT on every ticket (issue 5 benchmark). Behind a pooler
        # that cannot keep prepared statements, add ?server_side_binding=false to the URL.
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
        # Django's backend, with a health check that asks the server only when the socket
        # says something happened (pledgedesk/project/postgresql: no SELECT 1 per request).
        parsed["ENGINE"] = POSTGRES_ENGINE
        return parsed
    supported = ", ".join(sorted(SQLITE_SCHEMES | POSTGRES_SCHEMES))
    shown = scheme or "(none)"
    raise ConfigError(f"DATABASE_URL: unsupported scheme {shown!r}; use one of: {supported}")


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": SQLITE_INIT_COMMAND,
            # Take the write lock at BEGIN, so two writers queue on busy_timeout instead of one
            # failing mid-transaction when it upgrades a read lock.
            "transaction_mode": "IMMEDIATE",
        },
        # Tests run on a file in WAL mode too, not Django's shared-cache in-memory database,
        # whose table locks ignore busy_timeout: concurrency tests then see what production sees.
        "TEST": {"NAME": str(path.with_name(f"{path.stem}-test{path.suffix}"))},
        # Keep each worker thread's connection: opening one and running the PRAGMAs above
        # cost more than a whole ticket insert (issue 5 benchmark).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = env.get("REDIS_URL", "").strip()
    if not url:
        return None
    scheme = urlsplit(url).scheme.lower()
    if scheme not in REDIS_SCHEMES:
        supported = ", ".join(sorted(REDIS_SCHEMES))
        raise ConfigError(f"REDIS_URL: unsupported scheme {scheme or '(none)'!r}; use {supported}")
    return url


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY: must be at least 32 characters long")
        return key
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        # Write the whole key to a private temporary file, then link it into place: link()
        # fails if the name exists, so two processes starting at once agree on one key and
        # neither can read a half-written file.
        tmp = data_dir / f".{SECRET_KEY_FILE}.{secrets.token_hex(6)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        try:
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                os.link(tmp, path)
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"SECRET_KEY: the key kept in {path} is shorter than 32 characters")
    return key


def _allowed_hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("PLEDGEDESK_ALLOWED_HOSTS", "")
    hosts = tuple(h.strip() for h in raw.split(",") if h.strip())
    for host in hosts:
        # A name with a space or a control character can never equal a request's Host header:
        # accepting it would leave the server answering 400 to every request.
        if any(c.isspace() or not c.isprintable() for c in host):
            raise ConfigError(f"PLEDGEDESK_ALLOWED_HOSTS: {host!r} is not a host name "
                              "(spaces and control characters are not allowed)")
    return hosts or DEFAULT_ALLOWED_HOSTS


def _public_url(env: Mapping[str, str]) -> str:
    raw = env.get("PLEDGEDESK_PUBLIC_URL", "").strip()
    if not raw:
        return DEFAULT_PUBLIC_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"PLEDGEDESK_PUBLIC_URL: {raw!r} is not an http(s) address without "
                          "credentials, query or fragment (e.g. https://help.example.com)")
    return raw.rstrip("/")


def _trusted_proxies(env: Mapping[str, str]) -> tuple:
    return _networks(env, "PLEDGEDESK_TRUSTED_PROXIES")


def _networks(env: Mapping[str, str], name: str) -> tuple:
    networks = []
    for entry in env.get(name, "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            # strict: "192.168.1.1/16" (host bits set) is more likely a typo than a network.
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            raise ConfigError(f"{name}: {entry!r} is not an IP address or "
                              "network (e.g. 10.0.0.1 or 10.0.0.0/24)") from None
    return tuple(networks)


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: not a whole number of seconds: {raw!r}") from None
    if not 1 <= value <= 3600:
        raise ConfigError(f"{name}: must be between 1 and 3600 seconds, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


MIN_CALLS_SECRET = 16


def _call_providers(env: Mapping[str, str]) -> tuple[tuple[str, str, str], ...]:
    found = []
    secret = env.get("PLEDGEDESK_CALLS_SECRET", "").strip()
    if secret:
        if len(secret) < MIN_CALLS_SECRET:
            raise ConfigError(f"PLEDGEDESK_CALLS_SECRET: use at least {MIN_CALLS_SECRET} "
                              "characters (a random string; it signs voicemail callbacks)")
        found.append(("pledgedesk", "hmac-sha256", secret))
    token = env.get("PLEDGEDESK_TWILIO_AUTH_TOKEN", "").strip()
    if token:
        found.append(("twilio", "twilio", token))
    return tuple(found)


_PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ().-]{5,30}$")


def _phone_numbers(env: Mapping[str, str]) -> tuple[str, ...]:
    numbers = tuple(n.strip() for n in env.get("PLEDGEDESK_PHONE_NUMBERS", "").split(",")
                    if n.strip())
    for number in numbers:
        if not _PHONE_NUMBER.match(number):
            raise ConfigError(f"PLEDGEDESK_PHONE_NUMBERS: {number!r} is not a phone number "
                              "(digits, with an optional leading + and spaces, dots, dashes)")
    return numbers


def _email(env: Mapping[str, str], data_dir: Path) -> EmailConfig:
    from_email = env.get("PLEDGEDESK_FROM_EMAIL", "").strip() or DEFAULT_FROM_EMAIL
    if "@" not in from_email or any(c in from_email for c in "\r\n"):
        raise ConfigError(f"PLEDGEDESK_FROM_EMAIL: not an email address: {from_email!r}")
    url = env.get("PLEDGEDESK_SMTP_URL", "").strip()
    if not url:
        return EmailConfig(backend="django.core.mail.backends.filebased.EmailBackend",
                           from_email=from_email, file_path=data_dir / MAIL_DIR)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SMTP_SCHEMES:
        supported = ", ".join(SMTP_SCHEMES)
        raise ConfigError(f"PLEDGEDESK_SMTP_URL: unsupported scheme {scheme or '(none)'!r}; "
                          f"use one of: {supported}")
    if not parts.hostname:
        raise ConfigError("PLEDGEDESK_SMTP_URL: the URL names no host, e.g. smtp://mail:25")
    default_port, starttls, implicit_tls = SMTP_SCHEMES[scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConfigError("PLEDGEDESK_SMTP_URL: the port is not a number between 1 and 65535") \
            from None
    return EmailConfig(
        backend="django.core.mail.backends.smtp.EmailBackend", from_email=from_email,
        host=parts.hostname, port=port, user=unquote(parts.username or ""),
        password=unquote(parts.password or ""), use_tls=starttls, use_ssl=implicit_tls,
    )


# scheme -> (default port, STARTTLS, implicit TLS)
IMAP_SCHEMES = {"imap": (143, False, False), "imap+tls": (143, True, False),
                "imaps": (993, False, True)}


@dataclass(frozen=True)
class ImapConfig:
    """The mailbox ``pledgedesk mail fetch`` reads (``PLEDGEDESK_IMAP_URL``)."""

    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    starttls: bool = False
    ssl: bool = False
    move_to: str | None = None  # ``?move_to=FOLDER``: move fetched mail there, not flag it

    @property
    def name(self) -> str:
        """How stored messages name their mailbox: never with the password."""
        scheme = "imaps" if self.ssl else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def imap(environ: Mapping[str, str] | None = None) -> ImapConfig | None:
    """The first mailbox of ``PLEDGEDESK_IMAP_URL``, read and checked; None when unset."""
    return next(iter(imap_all(environ)), None)


def imap_all(environ: Mapping[str, str] | None = None) -> tuple[ImapConfig, ...]:
    """Every mailbox of ``PLEDGEDESK_IMAP_URL``: one URL, or several separated by spaces or
    newlines (a URL has none unescaped); each is fetched with its own cursor and lease."""
    env = os.environ if environ is None else environ
    urls = env.get("PLEDGEDESK_IMAP_URL", "").split()
    mailboxes = tuple(_imap_url(url) for url in urls)
    names = [m.name for m in mailboxes]
    if len(set(names)) != len(names):
        raise ConfigError("PLEDGEDESK_IMAP_URL: the same mailbox is listed twice")
    return mailboxes


def _imap_url(url: str) -> ImapConfig:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        default_port, starttls, ssl = IMAP_SCHEMES[scheme]
        port = parts.port or default_port
    except (KeyError, ValueError):
        raise ConfigError("PLEDGEDESK_IMAP_URL: expected imap://user:pass@host:port/FOLDER "
                          "(or imap+tls://, imaps://) with a port between 1 and 65535") from None
    if not parts.hostname or not parts.username or parts.password is None:
        raise ConfigError("PLEDGEDESK_IMAP_URL: the URL needs a host, a user and a password, "
                          "e.g. imap://desk:secret@mail:143/INBOX")
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"move_to"} or any(len(v) != 1 or not v[0] for v in query.values()):
        raise ConfigError("PLEDGEDESK_IMAP_URL: the only query parameter is move_to=FOLDER "
                          "(fetched mail is moved there instead of flagged \\Seen)")
    return ImapConfig(host=parts.hostname, port=port, user=unquote(parts.username),
                      password=unquote(parts.password),
                      folder=unquote(parts.path.strip("/")) or "INBOX",
                      starttls=starttls, ssl=ssl, move_to=query.get("move_to", [None])[0])
