"""Name -> Rule lookup for every built-in optimizer."""
from __future__ import annotations

from optimizers import adam, adaptive, second_order, sgd
from optimizers.base import Rule
from optimizers.params import suggest

RULES: dict[str, Rule] = {r.name: r for r in (*sgd.RULES, *adaptive.RULES, *adam.RULES, *second_order.RULES)}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}{suggest(name, RULES)}") from None
