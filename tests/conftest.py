"""Fixtures shared by the test modules."""

import logging

import pytest


@pytest.fixture
def progress_lines(caplog):
    """A function returning the progress lines logged so far by skscore."""
    caplog.set_level(logging.INFO, logger="skscore")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "skscore"]

    return lines
