"""Fixtures of the site tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from html_tags import PageTags, site_tags


@pytest.fixture(scope="session")
def built_site_tags(built_site: Path) -> dict[Path, PageTags]:
    """``PageTags`` of every page of the project's built site, by path."""
    return site_tags(built_site)
