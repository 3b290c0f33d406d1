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

It sits above the pure layers it drives (calendar, policy, and the SLA engine that
``simulate`` runs), not inside ``pledgedesk.policy``, which must not import the SLA engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

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
    return parser


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
    policy = _load(args.file)
    if policy is None:
        return 1
    if args.command == "check":
        return _check(args, policy)
    if args.command == "simulate":
        return _simulate(args, policy)
    print(render(policy, args.format, _serves(args)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
