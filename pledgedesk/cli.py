"""The ``pledgedesk`` command.

    pledgedesk --version
    pledgedesk serve [--host H] [--port N] [--workers N]   migrate, then run gunicorn
    pledgedesk demo  [--host H] [--port N]                 serve, with sample data and a login
    pledgedesk policy check|simulate|render ...            the support policy file tools
    pledgedesk mail ingest [--to ADDR] FILE|- ... | mail fetch   take in email (JSON per message)
    pledgedesk worker [--threads N]                        deliver the outbox, run periodic jobs
    pledgedesk manage <django command> ...                 any Django management command

Bad input (a bad environment variable, a port in use, an unreachable database) ends with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from collections.abc import Sequence

from pledgedesk import __version__
from pledgedesk import config as pd_config

EXIT_USAGE = 2


class CommandError(Exception):
    """A problem the person running the command can fix; printed as one line."""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader went away (`pledgedesk policy render x | head`): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(args: list[str]) -> int:
    if args and args[0] == "policy":
        # The policy tools are pure Python: they must work without Django or a database.
        from pledgedesk.cli_policy import main as policy_main

        return policy_main(args[1:])
    if args and args[0] == "manage":
        return _run_guarded(lambda: _manage(args[1:]))

    parsed = _parser().parse_args(args)
    if parsed.command is None:
        _parser().print_help(sys.stderr)
        return EXIT_USAGE
    return _run_guarded(lambda: parsed.handler(parsed))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pledgedesk", description="A helpdesk whose support policy is a file."
    )
    parser.add_argument("--version", action="version", version=f"pledgedesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database and run the web server")
    _add_server_options(serve)
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser("demo", help="serve with sample data and a demo login")
    _add_server_options(demo)
    demo.set_defaults(handler=_demo)

    _add_mail(commands)
    _add_worker(commands)
    commands.add_parser("policy", help="check, simulate or render a support policy file")
    commands.add_parser("manage", help="run a Django management command")
    return parser


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--workers", type=_positive, default=2, help="web worker processes (default 2)"
    )
    parser.add_argument("--no-worker", action="store_true",
                        help="do not start a background worker beside the web server (run "
                        "`pledgedesk worker` elsewhere: mail, pages and webhooks wait for it)")


def _add_mail(commands) -> None:
    mail = commands.add_parser("mail", help="take in email: a message file or pipe, or IMAP")
    mail_commands = mail.add_subparsers(dest="mail_command", metavar="MAIL_COMMAND",
                                        required=True)
    ingest = mail_commands.add_parser("ingest", help="store and process messages (- is stdin)")
    ingest.add_argument("--to", metavar="ADDRESS", dest="recipient",
                        help="the envelope recipient: the policy support address it came to")
    ingest.add_argument("sources", nargs="+", metavar="FILE|-")
    fetch = mail_commands.add_parser("fetch", help="fetch new mail from PLEDGEDESK_IMAP_URL")
    fetch.add_argument("--move-to", metavar="FOLDER", help="move fetched mail there (default: "
                       "the URL's ?move_to=, else flag it seen)")
    mail.set_defaults(handler=_mail)


def _add_worker(commands) -> None:
    worker = commands.add_parser("worker", help="deliver mail, pages and webhooks; run the "
                                 "periodic jobs (SLA sweeps, mailbox polling)")
    worker.add_argument("--threads", type=_positive, default=2,
                        help="outbox delivery threads (default 2)")
    worker.add_argument("--parent-pid", type=_positive, help=argparse.SUPPRESS)
    worker.set_defaults(handler=_worker)


def _worker(args: argparse.Namespace) -> int:
    _setup_django()
    from pledgedesk import server
    from pledgedesk import worker as pd_worker
    from pledgedesk.web.health import database_problem

    problem = database_problem()
    if problem:
        raise CommandError(f"DATABASE_URL: {problem}; `pledgedesk serve` migrates it")
    try:
        server.check_redis()
    except server.RedisUnavailable as exc:
        raise CommandError(str(exc)) from None
    pd_worker.run(threads=args.threads, parent_pid=args.parent_pid)
    return 0


def _mail(args: argparse.Namespace) -> int:
    pd_config.imap_all()  # a bad PLEDGEDESK_IMAP_URL is one line, before any work
    _setup_django()
    from pledgedesk.channels import commands as mail_commands

    try:
        if args.mail_command == "ingest":
            return mail_commands.ingest(args.sources, recipient=args.recipient)
        return mail_commands.fetch(move_to=args.move_to)
    except mail_commands.MailCommandError as exc:
        raise CommandError(str(exc)) from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {value}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _run_guarded(action) -> int:
    try:
        return action()
    except (pd_config.ConfigError, CommandError) as exc:
        print(f"pledgedesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _setup_django() -> None:
    """Check the configuration (one clear line if it is bad), then start Django."""
    pd_config.load()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")
    import django

    django.setup()


def _manage(args: list[str]) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pledgedesk manage", *args])
    return 0


def _serve(args: argparse.Namespace) -> int:
    return _start(args, demo=False)


def _demo(args: argparse.Namespace) -> int:
    return _start(args, demo=True)


def _start(args: argparse.Namespace, *, demo: bool) -> int:
    _check_can_listen(args.host, args.port)
    _setup_django()
    from pledgedesk import server

    # The policy files' holiday answers, from a child process into the store this process then
    # reads: the check below never loads the holidays package here, in the process whose
    # memory every web worker inherits (issue 20).
    server.warm_policy_holidays()
    _check_policies()

    try:
        server.prepare_database()
        server.check_redis()
        # demo: the sample desk made in a child, so its holiday look-ups stay out of this
        # process and its workers (issue 20)
        login_hint = server.demo_login() if demo else server.admin_hint()
    except (server.DatabaseUnavailable, server.RedisUnavailable) as exc:
        raise CommandError(str(exc)) from None
    url = f"http://{_url_host(args.host)}:{args.port}/"
    print(f"Pledgedesk {__version__} on {url}", flush=True)
    print(login_hint, flush=True)
    worker = None if args.no_worker else _start_worker()
    try:
        server.run_gunicorn(host=args.host, port=args.port, workers=args.workers)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    return 0


def _start_worker():
    """One ``pledgedesk worker`` beside the web server, which stops when this process does
    (and by itself if this process is killed outright)."""
    import subprocess

    command = [sys.executable, "-m", "pledgedesk", "worker", "--parent-pid", str(os.getpid())]
    print("Background worker started (mail, pages, webhooks, SLA sweeps)", flush=True)
    return subprocess.Popen(command)


def _check_policies() -> None:
    """Every policy file in PLEDGEDESK_POLICY_DIR must load: a broken one was accepted at start
    and only failed when a ticket was opened under it."""
    from django.conf import settings

    from pledgedesk.policy.errors import PolicyError
    from pledgedesk.policy.loader import load_policy_dir

    try:
        load_policy_dir(settings.PLEDGEDESK_POLICY_DIR)
    except PolicyError as exc:
        more = len(exc.problems) - 1
        rest = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        first = str(exc.problems[0]).replace("\n", " ")
        raise CommandError(f"PLEDGEDESK_POLICY_DIR: {first}{rest}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_can_listen(host: str, port: int) -> None:
    """Fail before any start-up work if the address cannot be bound, with a clear reason."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CommandError(f"--host: cannot resolve {host!r} to an address") from None
    family, socktype, proto, _name, address = infos[0]
    with socket.socket(family, socktype, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                reason = "the port is already in use"
            elif exc.errno == errno.EACCES:
                reason = "permission denied (ports below 1024 need privileges)"
            else:
                reason = exc.strerror or str(exc)
            raise CommandError(f"cannot listen on {host}:{port}: {reason}") from None


if __name__ == "__main__":
    sys.exit(main())
