"""Public holidays from the ``holidays`` package, chosen explicitly by name.

Holiday sources disagree (one Ontario list has the Civic Holiday, another does not), so a
policy names its holiday set: a country, an optional subdivision, the package's categories,
whether the package's observed-day rules apply, and optionally which holidays to ``include``
or ``exclude`` by name.

Observed days: with ``observed=True`` (the default) the package's own rules move a holiday that
falls on a weekend to a weekday, listed as e.g. ``"Boxing Day (observed)"``. Both the actual
date and the observed date are closed (the actual date usually is a weekend and closed anyway).
With ``observed=False`` only the actual date is closed: a holiday on a Saturday then costs no
business time at all.

Name matching: a name in ``include``/``exclude`` matches a holiday whose name is exactly that
name or that name with the package's observed label (``"Boxing Day"`` also matches
``"Boxing Day (observed)"``; ``"Boxing Day (observed)"`` matches only the observed day). Names
are validated against every name the package gives for that region in 1990-2060, so a typo
raises :class:`InvalidScheduleError` instead of silently keeping the office open.

A store (:func:`use_store`, issue 20): the ``holidays`` package loads every country and calendar
it knows on its first use (~17 MiB in each process). With a store directory, what it answered
(a region's names, its observed label, a year's holidays) is kept in one JSON file per region
and options, under the package's version; a process that finds its answers there never
imports the package. Answers are the package's own, so results are the same with or without.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pledgedesk.calendar.errors import InvalidScheduleError, UnknownHolidayRegionError

_NAME_CHECK_YEARS = range(1990, 2061)


@dataclass(frozen=True, slots=True)
class HolidaySpec:
    """Which public holidays close the calendar (validated on construction).

    ``include=None`` keeps every holiday of the region and categories; a tuple keeps only the
    named ones. ``exclude`` then removes names. ``categories`` are the package's categories
    (``"public"``, ``"government"``, ``"optional"``, ... as the country supports them).
    """

    country: str
    subdiv: str | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    categories: tuple[str, ...] = ("public",)
    observed: bool = True

    def __post_init__(self) -> None:
        for field_name in ("include", "exclude", "categories"):
            value = getattr(self, field_name)
            if value is None and field_name == "include":
                continue
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, field_name, tuple(sorted(set(value))))
        if not isinstance(self.country, str):
            raise UnknownHolidayRegionError(
                f"holiday country {self.country!r} must be an ISO 3166 code such as 'CA'",
                value=self.country,
            )
        known = known_names(self.country, self.subdiv, self.categories, self.observed)
        for name in (*(self.include or ()), *self.exclude):
            if name not in known:
                raise InvalidScheduleError(
                    f"holiday name {name!r} is not a holiday of {self.region} "
                    f"(categories {', '.join(self.categories)})",
                    value=name,
                )

    @property
    def region(self) -> str:
        """``"CA"`` or ``"CA-ON"``."""
        return self.country if self.subdiv is None else f"{self.country}-{self.subdiv}"


def _country_holidays(
    country: str, subdiv: str | None, categories: tuple[str, ...], observed: bool, years: Any
) -> Any:
    """Call the package, turning its errors into ours (naming the offending value)."""
    import holidays as holidays_pkg  # loaded on the first holiday look-up, not at start

    region = country if subdiv is None else f"{country}-{subdiv}"
    try:
        return holidays_pkg.country_holidays(
            country, subdiv=subdiv, categories=categories, observed=observed, years=years
        )
    except NotImplementedError as exc:
        if subdiv is not None and "subdivision" in str(exc).lower():
            raise UnknownHolidayRegionError(
                f"holiday subdivision {subdiv!r} is unknown for country {country!r}",
                value=subdiv,
            ) from None
        raise UnknownHolidayRegionError(
            f"holiday country {country!r} is unknown to the holidays package", value=country
        ) from None
    except (KeyError, AttributeError):
        raise UnknownHolidayRegionError(
            f"holiday country {country!r} is unknown to the holidays package", value=country
        ) from None
    except ValueError as exc:
        raise InvalidScheduleError(
            f"holiday categories {categories!r} are not supported for {region}: {exc}",
            value=categories,
        ) from None


@lru_cache(maxsize=256)
def known_names(
    country: str, subdiv: str | None, categories: tuple[str, ...], observed: bool
) -> frozenset[str]:
    """Every holiday name (with and without the observed label) of a region in 1990-2060."""
    key = (country, subdiv, categories, observed)
    stored = _Store.get(key, "names")
    if stored is not None:
        return frozenset(stored)
    source = _country_holidays(country, subdiv, categories, observed, _NAME_CHECK_YEARS)
    names: set[str] = set()
    for value in source.values():
        names.update(value.split("; "))
    label = observed_label(source)
    names.update(label % name for name in list(names))
    _Store.put(key, {"names": sorted(names)})
    return frozenset(names)


def observed_label(source: Any) -> str:
    """The package's observed-name pattern for ``source``, e.g. ``"%s (observed)"``."""
    label = getattr(source, "observed_label", None)
    return label if isinstance(label, str) and "%s" in label else "%s (observed)"


class HolidayFilter:
    """Answers "which local dates of a year are chosen holidays?" for one :class:`HolidaySpec`."""

    def __init__(self, spec: HolidaySpec) -> None:
        self._spec = spec
        self._key = (spec.country, spec.subdiv, spec.categories, spec.observed)
        label = _Store.get(self._key, "label")
        if label is None:
            label = observed_label(_country_holidays(
                spec.country, spec.subdiv, spec.categories, spec.observed, []
            ))
            _Store.put(self._key, {"label": label})
        self._include: frozenset[str] | None = None
        if spec.include is not None:
            self._include = frozenset(spec.include) | {label % n for n in spec.include}
        self._exclude = frozenset(spec.exclude) | {label % n for n in spec.exclude}

    def closed_dates(self, year: int) -> set[date]:
        """Dates of ``year`` closed by a chosen holiday (observed days included per spec)."""
        return {day for day, names in self._holidays_of(year) if self._chosen(names)}

    def _holidays_of(self, year: int) -> list[tuple[date, str]]:
        """The package's holidays dated in ``year`` (from the store when it has them)."""
        years = _Store.get(self._key, "years") or {}
        stored = years.get(str(year))
        if stored is not None:
            return [(date.fromisoformat(day), names) for day, names in stored]
        spec = self._spec
        # The neighbouring years too: an observed day can fall in the previous year
        # (New Year's Day on a Saturday observed on 31 December).
        around = [y for y in (year - 1, year, year + 1) if 1 <= y <= 9999]
        source = _country_holidays(spec.country, spec.subdiv, spec.categories, spec.observed,
                                   around)
        found = sorted((day, names) for day, names in source.items() if day.year == year)
        _Store.put(self._key, {"years": {str(year): [(d.isoformat(), n) for d, n in found]}})
        return found

    def _chosen(self, names: str) -> bool:
        kept = [p for p in names.split("; ") if p not in self._exclude]
        if self._include is not None:
            kept = [p for p in kept if p in self._include]
        return bool(kept)


def use_store(directory: str | os.PathLike[str] | None, *, version: str = "") -> None:
    """Keep the ``holidays`` package's answers in ``directory`` (created when needed), for
    ``version`` of the package: answers kept for another version are not used. ``None``: no
    store (the default). Answers already cached in this process stay."""
    _Store.use(Path(directory) / version if directory is not None else None)


class _Store:
    """One JSON file per (country, subdivision, categories, observed): ``names`` (every name
    of 1990-2060, observed forms included), ``label`` and ``years`` (a year's holidays, as the
    package dates them). Files are replaced whole (write, then rename), so a reader never sees
    half a file; writers take turns (``_file_lock``), so two processes adding different years
    at once both keep theirs. A file that is not as written here is ignored."""

    _directory: Path | None = None
    _loaded: dict[tuple, dict] = {}
    _lock = threading.Lock()

    @classmethod
    def use(cls, directory: Path | None) -> None:
        with cls._lock:
            cls._directory = directory
            cls._loaded = {}

    @classmethod
    def get(cls, key: tuple, field: str) -> Any:
        if cls._directory is None:
            return None
        with cls._lock:
            return cls._entry(key).get(field)

    @classmethod
    def put(cls, key: tuple, values: dict) -> None:
        directory = cls._directory
        if directory is None:
            return
        with cls._lock, cls._file_lock(directory):
            entry = dict(cls._read(key) or {})  # another process may have added to it
            for field, value in values.items():
                if field == "years":
                    entry["years"] = {**entry.get("years", {}), **value}
                else:
                    entry[field] = value
            cls._loaded[key] = entry
            temporary = None
            try:
                directory.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=directory, prefix=".holidays-",
                                                     suffix=".json")
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(entry, out, ensure_ascii=False, separators=(",", ":"))
                os.replace(temporary, cls._path(key))
            except OSError:  # a read-only or full disk: the answer is still right, just not kept
                if temporary is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary)

    @classmethod
    def _entry(cls, key: tuple) -> dict:
        entry = cls._loaded.get(key)
        if entry is None:
            entry = cls._loaded[key] = cls._read(key) or {}
        return entry

    @classmethod
    def _read(cls, key: tuple) -> dict | None:
        try:
            with open(cls._path(key), encoding="utf-8") as f:
                entry = json.load(f)
        except (OSError, ValueError):
            return None
        return entry if _well_formed(entry) else None

    @classmethod
    @contextlib.contextmanager
    def _file_lock(cls, directory: Path) -> Iterator[None]:
        """Writers of the store, in every process, one at a time (``flock`` on a lock file):
        each reads the file, adds its answers and replaces it, so no writer's answers are
        lost. Without a lock file (a read-only directory) nothing is written anyway."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # releases the lock

    @classmethod
    def _path(cls, key: tuple) -> Path:
        country, subdiv, categories, observed = key
        name = "_".join((str(country), str(subdiv or ""), "+".join(map(str, categories)),
                         "obs" if observed else "actual"))
        safe = "".join(c if c.isalnum() or c in "_+-" else f"%{ord(c):02x}" for c in name)
        return Path(cls._directory or ".") / f"{safe}.json"


def _well_formed(entry: Any) -> bool:
    """A store file's content as :class:`_Store` writes it; anything else (a file written by
    hand or by another program, damaged on disk) is ignored, and answered by the package."""
    if not isinstance(entry, dict):
        return False
    names = entry.get("names", [])
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        return False
    label = entry.get("label", "%s")
    if not (isinstance(label, str) and label.count("%s") == 1 and label.count("%") == 1):
        return False
    years = entry.get("years", {})
    if not isinstance(years, dict):
        return False
    for year, found in years.items():
        if not (isinstance(year, str) and year.isascii() and year.isdigit()
                and isinstance(found, list)):
            return False
        for item in found:
            if not (isinstance(item, list) and len(item) == 2
                    and all(isinstance(part, str) for part in item)):
                return False
            try:
                day = date.fromisoformat(item[0])
            except ValueError:
                return False
            if day.year != int(year):
                return False
    return True
