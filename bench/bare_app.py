"""The baseline for latency benchmarks: a bare Streamlit app with one slider and one chart."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

frequency = st.slider("frequency", 1.0, 10.0, 2.0, 0.1, key="frequency")
x = np.linspace(0, 2 * np.pi, 400)
fig = go.Figure(go.Scatter(x=x, y=np.sin(frequency * x)), layout=dict(template="plotly_white"))
st.plotly_chart(fig)
