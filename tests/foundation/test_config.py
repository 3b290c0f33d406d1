"""pledgedesk.config: the environment is read and checked in one place."""

import stat
import threading

import pytest

from pledgedesk import config


def test_embedded_default_is_sqlite_in_wal_mode_under_the_data_dir(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)})

    assert cfg.database["ENGINE"] == "django.db.backends.sqlite3"
    assert cfg.database["NAME"] == str(tmp_path / "pledgedesk.sqlite3")
    assert "journal_mode=WAL" in cfg.database["OPTIONS"]["init_command"]
    assert cfg.database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert cfg.redis_url is None
    assert cfg.debug is False


def test_data_dir_is_created_when_missing(tmp_path):
    target = tmp_path / "a" / "b"

    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(target)})

    assert cfg.data_dir == target
    assert target.is_dir()


def test_data_dir_defaults_to_xdg_data_home(tmp_path):
    cfg = config.load({"XDG_DATA_HOME": str(tmp_path)})

    assert cfg.data_dir == tmp_path / "pledgedesk"


@pytest.mark.parametrize(
    ("url", "host", "name"),
    [
        ("postgres://postgres@127.0.0.1:5432/desk", "127.0.0.1", "desk"),
        ("postgresql://u:p@db.internal:6543/other", "db.internal", "other"),
    ],
)
def test_postgres_urls_are_accepted(tmp_path, url, host, name):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": url})

    assert cfg.database["ENGINE"] == config.POSTGRES_ENGINE  # Django's, cheaper health check
    assert cfg.database["HOST"] == host
    assert cfg.database["NAME"] == name
    assert cfg.database_vendor == "postgresql"



def test_postgres_binds_on_the_server_and_prepares_hot_statements(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path),
                       "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/desk"})

    assert cfg.database["OPTIONS"] == {"server_side_binding": True,
                                       "prepare_threshold": config.PREPARE_THRESHOLD}


def test_postgres_url_options_reach_the_driver_and_win(tmp_path):
    url = ("postgres://postgres@127.0.0.1:6432/desk"
           "?sslmode=require&server_side_binding=false&prepare_threshold=2")

    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": url})

    assert cfg.database["OPTIONS"] == {"sslmode": "require", "server_side_binding": False,
                                       "prepare_threshold": 2}

def test_sqlite_url_keeps_wal_options(tmp_path):
    db = tmp_path / "elsewhere.sqlite3"

    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{db}"})

    assert cfg.database["NAME"] == str(db)
    assert "journal_mode=WAL" in cfg.database["OPTIONS"]["init_command"]


@pytest.mark.parametrize("url", ["mysql://root@localhost/desk", "oracle://x/y", "nonsense"])
def test_unknown_database_scheme_is_rejected_naming_the_variable(tmp_path, url):
    with pytest.raises(config.ConfigError, match=r"^DATABASE_URL: unsupported scheme"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": url})


def test_in_memory_sqlite_is_rejected(tmp_path):
    with pytest.raises(config.ConfigError, match=r"^DATABASE_URL: a SQLite URL needs a file"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": "sqlite://:memory:"})


def test_data_dir_that_cannot_be_created_is_rejected(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_DATA_DIR: cannot create"):
        config.load({"PLEDGEDESK_DATA_DIR": str(blocker / "data")})


def test_data_dir_that_is_a_file_is_rejected(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_DATA_DIR: "):
        config.load({"PLEDGEDESK_DATA_DIR": str(blocker)})


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    env = {"PLEDGEDESK_DATA_DIR": str(tmp_path)}

    first = config.load(env).secret_key
    second = config.load(env).secret_key

    assert first == second
    assert len(first) >= 50
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    env = {"PLEDGEDESK_DATA_DIR": str(tmp_path)}
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(config.load(env).secret_key))
               for _ in range(8)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(keys) == 8
    assert len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_secret_key_from_environment_wins(tmp_path):
    key = "k" * 40

    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "SECRET_KEY": key})

    assert cfg.secret_key == key
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_key_is_rejected(tmp_path):
    with pytest.raises(config.ConfigError, match=r"^SECRET_KEY: must be at least 32"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "SECRET_KEY": "short"})


def test_redis_url_is_accepted(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1/0"})

    assert cfg.redis_url == "redis://127.0.0.1/0"


def test_redis_url_with_wrong_scheme_is_rejected(tmp_path):
    with pytest.raises(config.ConfigError, match=r"^REDIS_URL: unsupported scheme 'http'"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "http://localhost"})


def test_allowed_hosts_come_from_a_comma_separated_list(tmp_path):
    cfg = config.load(
        {"PLEDGEDESK_DATA_DIR": str(tmp_path), "PLEDGEDESK_ALLOWED_HOSTS": " desk.example, x.y "}
    )

    assert cfg.allowed_hosts == ("desk.example", "x.y")


def test_debug_flag_rejects_an_unclear_value(tmp_path):
    with pytest.raises(config.ConfigError, match=r"^PLEDGEDESK_DEBUG: expected"):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "PLEDGEDESK_DEBUG": "maybe"})


def test_without_smtp_mail_is_written_to_files_in_the_data_dir(tmp_path):
    """FG-2: on the embedded default a demo user can read the password-reset link."""
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)})

    assert cfg.email.backend == "django.core.mail.backends.filebased.EmailBackend"
    assert cfg.email.file_path == tmp_path / "mail"
    assert cfg.email.from_email == "pledgedesk@localhost"


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://mail.internal", 25, False, False),
        ("smtp+tls://u%40x:p%3Aw@mail.internal:2525", 2525, True, False),
        ("smtps://u:p@mail.internal", 465, False, True),
    ],
)
def test_smtp_url_sets_host_port_credentials_and_tls(tmp_path, url, port, tls, ssl):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), "PLEDGEDESK_SMTP_URL": url,
                       "PLEDGEDESK_FROM_EMAIL": "help@example.com"})

    assert cfg.email.backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (cfg.email.host, cfg.email.port) == ("mail.internal", port)
    assert (cfg.email.use_tls, cfg.email.use_ssl) == (tls, ssl)
    assert cfg.email.from_email == "help@example.com"
    if "%40" in url:
        assert (cfg.email.user, cfg.email.password) == ("u@x", "p:w")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PLEDGEDESK_SMTP_URL": "http://mail"}, "PLEDGEDESK_SMTP_URL: unsupported scheme"),
        ({"PLEDGEDESK_SMTP_URL": "smtp://"}, "PLEDGEDESK_SMTP_URL: the URL names no host"),
        ({"PLEDGEDESK_SMTP_URL": "smtp://mail:99999"}, "PLEDGEDESK_SMTP_URL: the port"),
        ({"PLEDGEDESK_FROM_EMAIL": "nobody"}, "PLEDGEDESK_FROM_EMAIL: not an email address"),
    ],
)
def test_bad_mail_settings_name_the_variable(tmp_path, env, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path), **env})


def test_sqlite_tests_run_on_a_wal_file_not_shared_cache_memory(tmp_path):
    cfg = config.load({"PLEDGEDESK_DATA_DIR": str(tmp_path)})

    assert cfg.database["TEST"]["NAME"] == str(tmp_path / "pledgedesk-test.sqlite3")
