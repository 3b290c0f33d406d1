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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
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
    source = _country_holidays(country, subdiv, categories, observed, _NAME_CHECK_YEARS)
    names: set[str] = set()
    for value in source.values():
        names.update(value.split("; "))
    label = observed_label(source)
    names.update(label % name for name in list(names))
    return frozenset(names)


def observed_label(source: Any) -> str:
    """The package's observed-name pattern for ``source``, e.g. ``"%s (observed)"``."""
    label = getattr(source, "observed_label", None)
    return label if isinstance(label, str) and "%s" in label else "%s (observed)"


class HolidayFilter:
    """Answers "which local dates of a year are chosen holidays?" for one :class:`HolidaySpec`."""

    def __init__(self, spec: HolidaySpec) -> None:
        self._spec = spec
        label = observed_label(_country_holidays(
            spec.country, spec.subdiv, spec.categories, spec.observed, []
        ))
        self._include: frozenset[str] | None = None
        if spec.include is not None:
            self._include = frozenset(spec.include) | {label % n for n in spec.include}
        self._exclude = frozenset(spec.exclude) | {label % n for n in spec.exclude}

    def closed_dates(self, year: int) -> set[date]:
        """Dates of ``year`` closed by a chosen holiday (observed days included per spec)."""
        spec = self._spec
        # The neighbouring years too: an observed day can fall in the previous year
        # (New Year's Day on a Saturday observed on 31 December).
        years = [y for y in (year - 1, year, year + 1) if 1 <= y <= 9999]
        source = _country_holidays(spec.country, spec.subdiv, spec.categories, spec.observed, years)
        return {day for day, names in source.items() if day.year == year and self._chosen(names)}

    def _chosen(self, names: str) -> bool:
        kept = [p for p in names.split("; ") if p not in self._exclude]
        if self._include is not None:
            kept = [p for p in kept if p in self._include]
        return bool(kept)
