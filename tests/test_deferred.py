"""dashboard/deferred.py: element calls recorded now and drawn later, in the same order and nesting."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _recorded_then_replayed():
    import streamlit as st

    from dashboard.deferred import Deferred

    st.session_state.setdefault("rate", 0.25)
    st.session_state.setdefault("kind", "b")
    later = Deferred()
    rate = later.slider("rate", 0.0, 1.0, key="rate")
    left, right = later.columns(2)
    kind = left.selectbox("kind", ["a", "b", "c"], key="kind")
    right.markdown("right column")
    with_no_key = later.caption("a caption")
    inner = later.expander("more")
    inner.text("inside the expander")
    st.markdown(f"settled before drawing: rate={rate} kind={kind} caption={with_no_key}")
    st.markdown("the chart")  # what the page draws first
    later.replay(st.sidebar)
    st.session_state["seen"] = (st.session_state["rate"], st.session_state["kind"])


def test_widget_calls_return_the_value_the_widget_is_about_to_show():
    at = AppTest.from_function(_recorded_then_replayed).run()
    assert not at.exception
    assert at.markdown[0].value == "settled before drawing: rate=0.25 kind=b caption=None"
    at.sidebar.slider[0].set_value(0.75).run()
    assert at.markdown[0].value == "settled before drawing: rate=0.75 kind=b caption=None"
    at.sidebar.selectbox[0].set_value("c").run()
    assert at.markdown[0].value == "settled before drawing: rate=0.75 kind=c caption=None"
    assert at.session_state["seen"] == (0.75, "c")


def test_replay_draws_in_the_recorded_order_and_nesting_after_the_page():
    at = AppTest.from_function(_recorded_then_replayed).run()
    assert [m.value for m in at.main.markdown][1] == "the chart"
    sidebar = at.sidebar
    assert [w.label for w in sidebar.slider] == ["rate"]
    left, right = sidebar.columns
    assert [w.label for w in left.selectbox] == ["kind"] and not right.selectbox
    assert [m.value for m in right.markdown] == ["right column"]
    assert [c.value for c in sidebar.caption] == ["a caption"]
    (expander,) = sidebar.expander
    assert expander.label == "more" and [t.value for t in expander.text] == ["inside the expander"]
    # Order: slider, then the columns (a horizontal block), then the caption, then the expander.
    kinds = [type(child).__name__ for child in sidebar.children.values()]
    assert kinds == ["Slider", "Block", "Caption", "Expander"], kinds
