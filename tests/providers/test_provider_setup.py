"""Both providers as the CLI builds them: from environment variables and a transport."""

from __future__ import annotations

import httpx
import pytest
from provider_support import PROSPECT2_ENV, TESSITURA_ENV

from engine.errors import CallboardError, ProviderError
from engine.providers import ProviderContext, provider_classes
from providers.prospect2.kinds.custom_fields import CustomFieldsHandler
from providers.prospect2.kinds.tags import TagsHandler
from providers.prospect2.provider import Prospect2Provider
from providers.tessitura.provider import TessituraProvider

pytestmark = pytest.mark.anyio


def test_both_providers_are_registered_entry_points() -> None:
    classes = provider_classes()
    assert Prospect2Provider in classes and TessituraProvider in classes
    assert [k.name for k in Prospect2Provider.kinds] == [
        "tags", "custom_fields", "csi_webhooks", "data_syncs", "campaign_writebacks"]
    assert [k.name for k in TessituraProvider.kinds] == ["activity_types", "tessitura_defaults"]


async def test_checks_pass_against_the_emulator(transport: httpx.ASGITransport) -> None:
    env = {**PROSPECT2_ENV, **TESSITURA_ENV}
    for cls in (Prospect2Provider, TessituraProvider):
        provider = cls(ProviderContext(env=env, transport=transport))
        try:
            await provider.check()
        finally:
            await provider.aclose()


@pytest.mark.parametrize(("cls", "env", "missing"), [
    (Prospect2Provider, {"PROSPECT2_URL": "http://emulator/api/3"}, "PROSPECT2_API_TOKEN"),
    (TessituraProvider, {k: v for k, v in TESSITURA_ENV.items() if k != "TESSITURA_PASSWORD"},
     "TESSITURA_PASSWORD"),
])
async def test_a_missing_variable_is_named(
        cls: type[Prospect2Provider | TessituraProvider], env: dict[str, str],
        missing: str) -> None:
    provider = cls(ProviderContext(env=env))
    with pytest.raises(CallboardError, match=f"{missing} is not set"):
        await provider.check()


async def test_a_refused_token_fails_the_check(transport: httpx.ASGITransport) -> None:
    env = {**PROSPECT2_ENV, "PROSPECT2_API_TOKEN": "wrong"}
    provider = Prospect2Provider(ProviderContext(env=env, transport=transport))
    try:
        with pytest.raises(ProviderError, match="refused the API token"):
            await provider.check()
    finally:
        await provider.aclose()


async def test_refused_tessitura_credentials_fail_the_check(
        transport: httpx.ASGITransport) -> None:
    env = {**TESSITURA_ENV, "TESSITURA_PASSWORD": "wrong"}
    provider = TessituraProvider(ProviderContext(env=env, transport=transport))
    try:
        with pytest.raises(ProviderError, match="refused the credentials for callboard:admin"):
            await provider.check()
    finally:
        await provider.aclose()


def test_handlers_share_the_provider_client() -> None:
    provider = Prospect2Provider(ProviderContext(env=PROSPECT2_ENV))
    tags, fields = provider.handler("tags"), provider.handler("custom_fields")
    assert isinstance(tags, TagsHandler) and isinstance(fields, CustomFieldsHandler)
    assert tags.client is fields.client is provider.client
    assert provider.handler("tags") is tags
    with pytest.raises(CallboardError, match="no kind 'activity_types'"):
        provider.handler("activity_types")  # a Tessitura kind
