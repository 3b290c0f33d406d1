"""What the desk accepts from outside, defined once for every door.

The API's request schemas and the pages' query strings (console queue, portal list) read the
same types, so ``?organisation=9223372036854775808`` or ``?status=%00`` is refused the same way
everywhere instead of reaching the database (an OverflowError on SQLite, a NUL byte PostgreSQL
cannot store). Pure: pydantic only, no Django, so settings can read the body limit too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

MAX_ID = 2**63 - 1  # BigAutoField and every integer column the desk filters on
MAX_TEXT = 200_000  # characters (code points) of one description, reply or note
MAX_KEY = 50  # a policy key: status, priority, group, tag, channel
MAX_CURSOR = 200  # characters of a queue page cursor
MAX_MINUTES = 366 * 24 * 60  # a "within N minutes" window: a year

# The largest request body a schema-valid JSON request can need. JSON may escape any code
# point, and one outside the Basic Multilingual Plane escapes as a surrogate pair
# (``\ud83d\ude00``, 12 bytes), which is what ``json.dumps`` sends by default: a description at
# MAX_TEXT can take 12 bytes a character. The rest of the largest body (subject, topic, tags,
# ids, keys and punctuation) is far below the margin; tests/api/test_body_limit.py works the
# worst case out from the published schema and checks it fits.
ESCAPED_BYTES_PER_CHARACTER = 12
MAX_JSON_BODY_BYTES = ESCAPED_BYTES_PER_CHARACTER * MAX_TEXT + 64 * 1024


def storable(value: str) -> str:
    """Text both databases can store: no NUL (PostgreSQL refuses it), no unpaired surrogate
    (not encodable as UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return value


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(storable)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY),
                AfterValidator(storable)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Minutes = Annotated[int, Field(ge=0, le=MAX_MINUTES)]
Cursor = Annotated[str, StringConstraints(max_length=MAX_CURSOR), AfterValidator(storable)]
