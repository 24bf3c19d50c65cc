"""Service URLs: the forms that work are taken as given; the rest are refused with the fix."""

from __future__ import annotations

import pytest

from engine.errors import ConfigurationError
from providers.http.settings import endpoint, service_url


@pytest.mark.parametrize("value", ["https://lakeside.api-us1.com/api/3",
                                   "https://lakeside.api-us1.com/api/3/",
                                   "http://127.0.0.1:8765/api/3"])
def test_prospect2_urls_that_work(value: str) -> None:
    assert service_url("PROSPECT2_URL", value, "/api/3", "ACCOUNT.api-us1.com") == value


@pytest.mark.parametrize("value", ["https://tess.example.org/TessituraService",
                                   "https://tess.example.org/tessituraservice/",
                                   "http://localhost:8765/TessituraService"])
def test_tessitura_urls_that_work(value: str) -> None:
    assert service_url("TESSITURA_URL", value, "/TessituraService", "HOST") == value


@pytest.mark.parametrize(("value", "problem", "fix"), [
    ("lakeside.api-us1.com", "does not start with http:// or https://",
     "https://lakeside.api-us1.com/api/3"),
    ("localhost:8765/api/3", "does not start with http:// or https://",
     "https://localhost:8765/api/3"),
    ("ftp://lakeside.api-us1.com/api/3", "does not start with http:// or https://",
     "https://lakeside.api-us1.com/api/3"),
    ("https://lakeside.api-us1.com/", "does not end in /api/3",
     "https://lakeside.api-us1.com/api/3"),
    ("http://127.0.0.1:8765/api/v3", "does not end in /api/3", "http://127.0.0.1:8765/api/3"),
    ("", "does not start with http:// or https://", "https://ACCOUNT.api-us1.com/api/3"),
])
def test_prospect2_urls_refused_with_the_fix(value: str, problem: str, fix: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        service_url("PROSPECT2_URL", value, "/api/3", "ACCOUNT.api-us1.com")
    assert str(info.value) == (f"PROSPECT2_URL is {value!r}, which {problem}: set it to the "
                               f"service's API address, e.g. {fix}")
    assert info.value.kind == "configuration"


@pytest.mark.parametrize(("value", "recorded"), [
    ("https://lakeside.api-us1.com/api/3", "https://lakeside.api-us1.com/api/3"),
    ("https://Lakeside.API-us1.com:443/api/3/", "https://lakeside.api-us1.com/api/3"),
    ("https://user:secret@lakeside.api-us1.com/api/3", "https://lakeside.api-us1.com/api/3"),
    ("http://127.0.0.1:8765/api/3", "http://127.0.0.1:8765/api/3"),
    ("", None),
])
def test_the_address_a_saved_plan_records(value: str, recorded: str | None) -> None:
    """One address however it is spelt, and never a credential written into it."""
    assert endpoint({"PROSPECT2_URL": value}, "PROSPECT2_URL") == recorded
