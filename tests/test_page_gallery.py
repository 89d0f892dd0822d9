"""AppTest of the gallery: one card per preset with its thumbnail, its notice and a link to /scene?preset=NAME."""
from __future__ import annotations

import pytest

from dashboard.presets import PRESETS
from tests.apptest_helpers import open_page


@pytest.fixture(scope="module")
def gallery():
    at = open_page("gallery.py")
    assert not at.exception
    return at


def test_every_preset_has_a_card_with_a_link_that_opens_it(gallery):
    links = [link.proto for link in gallery.get("page_link")]
    assert [link.query_string for link in links] == [f"preset={name}" for name in PRESETS]
    assert {link.label for link in links} == {"Open the scene"}
    titles = [m.value for m in gallery.markdown]
    assert all(f"**{preset.title}**" in titles for preset in PRESETS.values())
    assert {link.page for link in links} == {"scene"}


def test_every_card_shows_its_notice_and_thumbnail(gallery):
    captions = [c.value for c in gallery.caption]
    for preset in PRESETS.values():
        assert preset.notice in captions
    assert len(gallery.get("image")) == len(PRESETS)
    assert "(no thumbnail yet)" not in captions


def test_a_link_from_the_gallery_opens_the_scene(gallery):
    gallery.query_params["preset"] = "himmelblau"
    gallery.switch_page("../pages/lecture.py").run()
    assert not gallery.exception
    assert [t.value for t in gallery.title] == [PRESETS["himmelblau"].title]
