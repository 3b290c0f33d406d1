"""``pledgedesk policy check | simulate | render``.

:func:`main` takes the arguments after ``pledgedesk policy``, prints, and returns the exit code;
it never raises for bad input. Exit codes: 0 success; 1 the policy file has problems (one line
each, ``FILE:key.path: message``, on stdout like a linter's report); 2 bad command-line input
(unknown priority, plan or channel, a missing ``--timezone``/``--country``, a malformed
instant: one line on stderr).

What the deployment serves (issue 21): ``check`` and ``render`` take ``--mailbox ADDRESS`` (an
address whose mail the desk reads), ``--phone NUMBER`` (a number whose calls reach it) and
``--serve FEATURE`` (widget, chat, knowledge_base, votes, paging, hour_banks), each repeatable.
Without them the deployment is the desk as built today: the portal and the API. ``check`` prints
one ``FILE:key.path: warning: message`` line for every promise that deployment cannot keep
(exactly what the page leaves out) and still exits 0, so a file can be checked before its
mailbox or phone line exists; ``render`` shows the page that deployment would serve.

Publishing (PR-9, issue 18; docs/policy-versions.md): ``publish FILE [--effective ISO] [--by
NAME] [--announce/--no-announce] [--apply-open | --dry-run]`` and ``apply KEY [--dry-run]
[--expect DIGEST]`` need the desk's database, so they start Django (the other commands never
do) and call ``pledgedesk.publishing.services``, as the admin's publish form does. A refused
publication prints one line naming the file (and its line or key path) on stderr, exits 1 and
writes nothing; a malformed ``--effective`` exits 2.

It sits above the pure layers it drives (calendar, policy, and the SLA engine that
``simulate`` runs), not inside ``pledgedesk.policy``, which must not import the SLA engine.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from pledgedesk.calendar import CalendarError
from pledgedesk.policy.compile import Location, Policy
from pledgedesk.policy.deployment import FEATURES, Deployment, lacks
from pledgedesk.policy.errors import PolicyError, PolicyInputError
from pledgedesk.policy.loader import load_policy
from pledgedesk.policy.render import render
from pledgedesk.policy.schema import CHANNEL_KEYS
from pledgedesk.sla.simulate import parse_country, simulate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pledgedesk policy",
                                     description="Check, simulate and render a support policy.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    _deployment_options(check)
    sim = sub.add_parser("simulate", help="the targets a ticket opened at an instant gets")
    sim.add_argument("file")
    sim.add_argument("--opened", required=True, help="ISO 8601 instant with a UTC offset")
    sim.add_argument("--priority")
    sim.add_argument("--channel", help=", ".join(CHANNEL_KEYS))
    sim.add_argument("--plan")
    sim.add_argument("--timezone", help="the organisation's IANA time zone")
    sim.add_argument("--country", help="the organisation's country, CC or CC-SUBDIV")
    ren = sub.add_parser("render", help="the customer-facing support policy page")
    ren.add_argument("file")
    ren.add_argument("--format", choices=("markdown", "html"), default="markdown")
    _deployment_options(ren)
    _publish_options(sub)
    return parser


def _publish_options(sub) -> None:
    pub = sub.add_parser("publish", help="publish a new version of a support policy (PR-9)")
    pub.add_argument("file", help="the policy file; its name is the policy key (KEY.toml)")
    pub.add_argument("--effective", help="ISO 8601 instant with a UTC offset (default: the "
                                         "file's effective date in the policy's zone, or now)")
    pub.add_argument("--by", help="who publishes it (default: your user name)")
    pub.add_argument("--announce", action=argparse.BooleanOptionalAction, default=None,
                     help="banner and mail to primary contacts (default: as the policy asks)")
    moves = pub.add_mutually_exclusive_group()
    moves.add_argument("--apply-open", action="store_true",
                       help="move open tickets to this version and recompute their timers")
    moves.add_argument("--dry-run", action="store_true",
                       help="store nothing; list what --apply-open would move")
    app = sub.add_parser("apply", help="apply the version in force to open tickets (PR-9)")
    app.add_argument("key")
    app.add_argument("--dry-run", action="store_true", help="list what would move; change nothing")
    app.add_argument("--expect", help="the dry run's plan digest: refuse if it changed")


def _deployment_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "what the deployment serves", "without these: the desk as built, the portal and API")
    group.add_argument("--mailbox", action="append", default=[], metavar="ADDRESS",
                       help="an address whose mail the desk reads (repeatable)")
    group.add_argument("--phone", action="append", default=[], metavar="NUMBER",
                       help="a number whose calls reach the desk (repeatable)")
    group.add_argument("--serve", action="append", default=[], choices=FEATURES,
                       metavar="FEATURE", help=f"a feature it has: {', '.join(FEATURES)} "
                                               "(repeatable)")


def _serves(args: argparse.Namespace) -> Deployment:
    return Deployment(mailboxes=frozenset(args.mailbox), phone_numbers=frozenset(args.phone),
                      **dict.fromkeys(args.serve, True))


def _check(args: argparse.Namespace, policy: Policy) -> int:
    found = lacks(policy.spec, _serves(args))
    for path, message in found:
        print(f"{args.file}:{path}: warning: {message}")
    line = summary(policy, args.file)
    if found:
        line += f" {len(found)} warning(s) about what this deployment serves."
    print(line)
    return 0


def summary(policy: Policy, file: str) -> str:
    spec = policy.spec
    prios = ", ".join(p.key + (" (default)" if p.default else "") for p in policy.priorities)
    plans = ", ".join(k + (f" (extends {p.extends})" if p.extends else "")
                      for k, p in spec.plans.items())
    metrics = policy.metric_keys
    return (f"{file}: OK. {spec.policy.name}, version {spec.policy.version}, effective "
            f"{spec.policy.effective.isoformat()}. {len(spec.calendars)} calendar(s) "
            f"({', '.join(spec.calendars)}); priorities {prios}; plans {plans}; channels "
            f"{', '.join(spec.channels.offered())}; metrics {', '.join(metrics)}; "
            f"{len(spec.statuses)} statuses; {len(spec.exclusions)} exclusion reason(s); "
            f"who may open tickets: {spec.intake.who_may_open.replace('_', ' ')}.")


def _load(file: str) -> Policy | None:
    try:
        return load_policy(file)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem)
        return None


def _simulate(args: argparse.Namespace, policy: Policy) -> int:
    try:
        opened = datetime.fromisoformat(args.opened)
    except ValueError:
        print(f"--opened {args.opened!r} is not an ISO 8601 instant", file=sys.stderr)
        return 2
    country, subdiv = parse_country(args.country)
    location = Location(timezone=args.timezone, country=country, subdiv=subdiv)
    if args.channel is not None and args.channel not in CHANNEL_KEYS:
        print(f"unknown channel {args.channel!r}; channels are {', '.join(CHANNEL_KEYS)}",
              file=sys.stderr)
        return 2
    try:
        result = simulate(policy, opened=opened, priority=args.priority, channel=args.channel,
                          plan=args.plan, location=location)
    except (PolicyInputError, CalendarError) as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage line; keep its exit code
        return int(exc.code or 0)
    if args.command in ("publish", "apply"):
        return _desk_command(args)
    policy = _load(args.file)
    if policy is None:
        return 1
    if args.command == "check":
        return _check(args, policy)
    if args.command == "simulate":
        return _simulate(args, policy)
    print(render(policy, args.format, _serves(args)), end="")
    return 0


# --- publishing (PR-9): these two commands use the desk's database ------------------------


def _desk_command(args: argparse.Namespace) -> int:
    problem = _start_django()
    if problem is not None:
        print(f"pledgedesk: {problem}", file=sys.stderr)
        return 2
    from pledgedesk import clock
    from pledgedesk.errors import DeskError

    try:
        if args.command == "apply":
            return _apply(args, clock.current())
        return _publish(args, clock.current())
    except DeskError as exc:
        where = args.file if args.command == "publish" else args.key
        print(exc.message if exc.message.startswith(f"{where}:") else f"{where}: {exc.message}",
              file=sys.stderr)
        return 1


def _start_django() -> str | None:
    from django.apps import apps

    if apps.ready:  # already running (tests, or called from inside the desk)
        return None
    from pledgedesk import config

    try:
        config.load()
    except config.ConfigError as exc:
        return str(exc)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")
    import django

    django.setup()
    return None


def _publish(args: argparse.Namespace, now: datetime) -> int:
    from pledgedesk.errors import InvalidInput
    from pledgedesk.publishing import services

    effective = _instant(args.effective)
    if effective is False:
        print(f"--effective {args.effective!r} is not an ISO 8601 instant with a UTC offset",
              file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read it: {exc.strerror if isinstance(exc, OSError) else exc}",
                           field="file") from None
    draft = services.policy_draft(key=path.stem, source=source, filename=args.file,
                                  effective=effective, now=now)
    if args.dry_run:
        preview = services.publication_preview(draft=draft, now=now)
        print(f"{args.file}: OK; would publish {draft.key} version {draft.policy.version}, "
              f"effective {draft.effective_at.isoformat()} (dry run: nothing stored)")
        _lines(preview.notes, preview.plan, "would move")
        return 0
    done = services.policy_publish(draft=draft, by=args.by or _user(), now=now,
                                   announce=args.announce, apply_open=args.apply_open)
    version = done.version
    print(f"{args.file}: {'published' if done.created else 'recorded'} {version.key} version "
          f"{version.version}, effective {version.effective_at.isoformat()}, by "
          f"{version.published_by}.")
    if done.announcement is not None:
        print(f"announced: banner until {done.announcement.shows_until.isoformat()}; mail to "
              f"{done.mails} primary contact(s), once each")
    if done.applied is None:
        print("open tickets keep the version they were opened under (--apply-open moves them)")
    _lines(done.notes, done.applied, "moved")
    return 0


def _apply(args: argparse.Namespace, now: datetime) -> int:
    from pledgedesk.publishing import services

    version, plan = services.version_in_force_apply(key=args.key, now=now, dry_run=args.dry_run,
                                                    expected=args.expect)
    print(f"{args.key}: version {version.version} in force since "
          f"{version.effective_at.isoformat()}")
    _lines((), plan, "would move" if args.dry_run else "moved")
    return 0


def _lines(notes, plan, verb: str) -> None:
    for note in notes:
        print(f"note: {note}")
    if plan is None:
        return
    print(f"{verb} {len(plan.moving)} open ticket(s) to version {plan.to_version} "
          f"(plan {plan.digest})")
    for move in plan.moves:
        if move.refused:
            print(f"  #{move.number} {move.refused}")
            continue
        timers = "; ".join(f"{t.metric}: {t.before} -> {t.after}" for t in move.timers)
        print(f"  #{move.number} version {move.from_version} -> {plan.to_version}: "
              f"{timers or 'no timer moves'}")


def _instant(text: str | None) -> datetime | bool | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return False
    return at if at.tzinfo is not None else False


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
