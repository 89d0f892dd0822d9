"""Trajectories: optimizers' paths on the shared surface (placeholder while the page is written)."""
import streamlit as st

from dashboard.scene import shared_config

st.title("Trajectories")
st.write(shared_config())
