"""Pure figure factories: numpy arrays in, plotly go.Figure out (no Streamlit, no optimisation)."""
