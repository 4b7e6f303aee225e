"""Custom field definitions: the endpoint, the fake's route, and resolving names to ids."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, TokenInfo


def _define(fake: FakeLeadConnector) -> dict[str, str]:
    defs = fake.custom_fields
    loc = fake.location_id
    return {
        "plan": defs.add(loc, "Plan", field_id="cf_plan")["id"],
        "score": defs.add(loc, "Lead Score", data_type="NUMERICAL", field_id="cf_score")["id"],
        "tier": defs.add(
            loc,
            "Tier",
            field_key="contact.tier",
            data_type="SINGLE_OPTIONS",
            picklist_options=("gold", "silver"),
        )["id"],
        "deal": defs.add(loc, "Plan", model="opportunity", field_id="opp_plan")["id"],
        "other": defs.add("elsewhere", "Plan", field_id="other_plan")["id"],
    }


async def test_lists_the_locations_contact_fields(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    ids = _define(fake_leadconnector)
    fields = await leadconnector_client.locations.custom_fields()
    assert [f.id for f in fields] == [ids["plan"], ids["score"], ids["tier"]]
    plan, score, tier = fields
    assert (plan.name, plan.field_key, plan.bare_key, plan.data_type) == (
        "Plan",
        "contact.plan",
        "plan",
        "TEXT",
    )
    assert (score.field_key, score.data_type) == ("contact.lead_score", "NUMERICAL")
    assert (tier.picklist_options, tier.model) == (["gold", "silver"], "contact")
    everything = await leadconnector_client.locations.custom_fields("all")
    assert {f.id for f in everything} == {ids["plan"], ids["score"], ids["tier"], ids["deal"]}
    assert fake_leadconnector.stats.routes["GET /locations/{locationId}/customFields"] == 2


async def test_bad_model_and_missing_scope_are_typed_errors(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    fake_leadconnector.tokens["narrow"] = TokenInfo(scopes=frozenset({"contacts.readonly"}))
    async with lc.LeadConnector(
        "narrow",
        location_id=fake_leadconnector.location_id,
        base_url=fake_leadconnector.url,
        rate_limit=None,
    ) as client:
        with pytest.raises(lc.ConfigurationError, match="model must be one of"):
            await client.locations.custom_fields("deals")  # type: ignore[arg-type]
        assert fake_leadconnector.stats.requests == 0
        with pytest.raises(lc.ScopeError):
            await client.locations.custom_fields()


async def test_directory_resolves_id_key_bare_key_and_name(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    ids = _define(fake_leadconnector)
    directory = await lc.CustomFieldDirectory.fetch(leadconnector_client)
    assert len(directory) == 3
    for reference in ("cf_plan", "contact.plan", "plan", "Plan", "  PLAN "):
        assert directory.resolve(reference).id == ids["plan"], reference
    assert directory.resolve("lead score").id == ids["score"]
    assert directory.resolve("lead_score").id == ids["score"]
    written = directory.by_id([lc.CustomFieldInput(key="Tier", field_value="gold")])
    assert written == [lc.CustomFieldInput(id=ids["tier"], field_value="gold")]


def test_unknown_and_ambiguous_references_are_clear_errors() -> None:
    directory = lc.CustomFieldDirectory(
        [
            lc.CustomField(id="a", name="Plan", field_key="contact.plan"),
            lc.CustomField(id="b", name="plan", field_key="contact.plan_2"),
        ]
    )
    assert directory.resolve("contact.plan").id == "a"  # a key wins over the names
    assert directory.resolve("plan").id == "a"  # so does a bare key
    with pytest.raises(lc.CustomFieldError, match="ambiguous") as ambiguous:
        directory.resolve("PLAN")
    assert ambiguous.value.candidates == ("a", "b")
    with pytest.raises(lc.CustomFieldError, match="no custom field") as unknown:
        directory.resolve("Favourite colour")
    assert unknown.value.reference == "Favourite colour"
    assert isinstance(unknown.value, lc.ConfigurationError)
    with pytest.raises(lc.CustomFieldError):
        directory.by_id([lc.CustomFieldInput(key="nope", field_value="x")])
