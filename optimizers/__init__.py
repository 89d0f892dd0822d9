"""Optimizer update rules and learning-rate schedules as pure JAX functions, torch.optim conventions."""
from optimizers import xla_cpu

xla_cpu.configure()  # before anything runs on JAX: see optimizers/xla_cpu.py
from optimizers.base import Rule
from optimizers.registry import RULES, get_rule
from optimizers.schedules import SCHEDULES, Schedule, get_schedule

__all__ = ["Rule", "RULES", "get_rule", "Schedule", "SCHEDULES", "get_schedule"]
