"""Declared, validated parameters shared by surfaces, optimizers and schedules."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_LIST_LEN = 8  # list-valued parameters (milestones) are padded to this length so they can be traced


@dataclass(frozen=True)
class Param:
    """One numeric knob with its default, its admissible range and how it is typed.

    kind is one of "float", "int", "bool", "choice" (one of `choices`, traced as its index) or
    "list" (a tuple of up to MAX_LIST_LEN floats, traced padded with +inf).
    Bounds are inclusive unless `low_open`/`high_open` say otherwise (eps > 0, beta < 1).
    """

    name: str
    default: Any
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    choices: tuple[str, ...] = ()
    log: bool = False
    low_open: bool = False
    high_open: bool = False
    help: str = ""
    # validate(default), checked once here: resolve() hands it out for values left at their default.
    canonical_default: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "canonical_default", self.validate(self.default))

    def range_text(self) -> str:
        if self.kind == "bool":
            return "true|false"
        if self.kind == "choice":
            return "|".join(self.choices)
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.low_open else '['}{lo}, {hi}{')' if self.high_open else ']'}"

    def parse(self, text: str) -> Any:
        """Parse a command-line or URL string into a validated value."""
        text = text.strip()
        if self.kind == "bool":
            low = text.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"{self.name}: expected true or false, got {text!r}")
        if self.kind == "choice":
            return self.validate(text)
        if self.kind == "list":
            parts = [p for p in text.replace(",", ";").split(";") if p.strip()]
            return self.validate(tuple(_parse_float(self.name, p) for p in parts))
        return self.validate(_parse_float(self.name, text))

    def validate(self, value: Any) -> Any:
        """Return the value in canonical form or raise ValueError saying what is wrong."""
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)) or value in (0, 1):
                return bool(value)
            raise ValueError(f"{self.name}: expected true or false, got {value!r}")
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise ValueError(f"{self.name}: expected one of {', '.join(self.choices)}, got {value!r}")
        if self.kind == "list":
            values = tuple(self._check_number(float(v)) for v in value)
            if len(values) > MAX_LIST_LEN:
                raise ValueError(f"{self.name}: at most {MAX_LIST_LEN} values, got {len(values)}")
            if list(values) != sorted(values):
                raise ValueError(f"{self.name}: values must be increasing, got {values}")
            return values
        number = self._check_number(value)
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{self.name}: expected a whole number, got {value!r}")
            return int(number)
        return float(number)

    def _check_number(self, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}: expected a number, got {value!r}") from None
        if math.isnan(number):
            raise ValueError(f"{self.name}: NaN is not a value")
        if math.isinf(number) and not (
            (number > 0 and self.high is None) or (number < 0 and self.low is None)
        ):
            raise ValueError(f"{self.name}: must be finite, got {value!r}")
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            raise ValueError(f"{self.name}: must be in {self.range_text()}, got {value!r}")
        if self.high is not None and (number > self.high or (self.high_open and number == self.high)):
            raise ValueError(f"{self.name}: must be in {self.range_text()}, got {value!r}")
        return number

    @property
    def traced_size(self) -> int:
        """How many float64 numbers `traced` gives (lists are padded to a fixed length)."""
        return MAX_LIST_LEN if self.kind == "list" else 1

    def traced_floats(self, value: Any) -> list[float]:
        """The numbers the jitted engine receives for a value (choices as index, lists padded with +inf)."""
        if self.kind == "choice":
            return [float(self.choices.index(value))]
        if self.kind == "list":
            return [float(v) for v in value] + [math.inf] * (MAX_LIST_LEN - len(value))
        return [float(value)]

    def traced(self, value: Any) -> np.ndarray:
        """The value as the float64 array the jitted engine receives (a scalar unless a list)."""
        floats = self.traced_floats(value)
        return np.asarray(floats if self.kind == "list" else floats[0], dtype=np.float64)


def _parse_float(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {text!r}") from None


def resolve(params: tuple[Param, ...], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Defaults overlaid with `given`, each validated; unknown names raise with the nearest valid one."""
    by_name = {p.name: p for p in params}
    for key in given:
        if key not in by_name:
            raise ValueError(f"{owner} has no parameter {key!r}{suggest(key, by_name)}")
    return {p.name: p.canonical_default if p.name not in given or _is_default(p, given[p.name]) else p.validate(
        given[p.name]) for p in params}


def _is_default(param: Param, value: Any) -> bool:
    """The value is the default itself (same type, equal), so validating it again would return the default."""
    default = param.canonical_default
    return type(value) is type(default) and value == default


def traced(params: tuple[Param, ...], values: dict[str, Any]) -> dict[str, np.ndarray]:
    return {p.name: p.traced(values[p.name]) for p in params}


def suggest(name: str, valid) -> str:
    """'; did you mean X?' for the closest valid name, or the list of valid names."""
    import difflib

    valid = list(valid)
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid: {', '.join(valid)}" if valid else ""
