"""Read a policy file: TOML syntax, then the schema, then the cross-section checks.

``load_policy(path)`` returns a compiled :class:`~pledgedesk.policy.compile.Policy` or raises
one :class:`~pledgedesk.policy.errors.PolicyError` listing every problem as
``FILE:key.path: message`` (TOML syntax errors as ``FILE:line N: message``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from pledgedesk.policy.compile import Policy, compile_policy
from pledgedesk.policy.errors import PolicyError, Problem
from pledgedesk.policy.schema import PolicyFile
from pledgedesk.policy.validate import cross_check

_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_MESSAGES = {
    "extra_forbidden": "unknown key (not part of the policy schema: a typo?)",
    "missing": "required key is missing",
}


def key_path(loc: tuple) -> str:
    """``("priorities", "red", "targets")`` -> ``"priorities.red.targets"``."""
    parts = []
    for part in loc:
        if part == "[key]":
            continue
        text = str(part)
        parts.append(f'"{text}"' if "." in text or not text else text)
    return ".".join(parts) or "(top level)"


def _message(error: dict) -> str:
    if error["type"] in _MESSAGES:
        return _MESSAGES[error["type"]]
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def parse_policy(text: str, file: str) -> PolicyFile:
    """TOML text -> schema-checked, cross-checked :class:`PolicyFile`."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: a file nested a few
        # thousand levels deep exhausted the stack and printed a 3,000-line traceback.
        raise PolicyError([Problem(file, "(syntax)", "TOML nested too deeply to read "
                                   "(arrays or inline tables inside each other)")]) from None
    except tomllib.TOMLDecodeError as exc:
        match = _LINE.search(str(exc))
        where = f"line {match.group(1)}" if match else "(syntax)"
        message = _LINE.sub("", str(exc)).strip()
        raise PolicyError([Problem(file, where, f"TOML syntax error: {message}")]) from None
    try:
        spec = PolicyFile.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(file, key_path(tuple(e["loc"])), _message(e))
                    for e in exc.errors(include_url=False)]
        raise PolicyError(problems) from None
    found = cross_check(spec)
    if found:
        raise PolicyError([Problem(file, path, message) for path, message in found])
    return spec


def load_policy_dir(directory: str | Path) -> dict[str, Policy]:
    """Every ``<key>.toml`` in ``directory``, checked and compiled, by key. Raises one
    :class:`PolicyError` listing the problems of every broken file."""
    policies, problems = {}, []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            policies[path.stem] = load_policy(path)
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)
    return policies


def load_policy(path: str | Path) -> Policy:
    """Read, check and compile the policy file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Problem(str(path), "(file)", f"cannot read: {exc}")]) from None
    return compile_policy(parse_policy(text, str(path)), key=path.stem)
