"""The dashboard: engine glue, figures, Streamlit helpers and the command line."""
from optimizers import xla_cpu

xla_cpu.configure()  # before anything runs on JAX: see optimizers/xla_cpu.py
