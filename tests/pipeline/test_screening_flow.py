"""Vendors screened against the refreshed lists, the review queue, and what decisions say."""

from __future__ import annotations

from typing import Any

from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline

PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "enhances_functionality": False}


def decide(pipeline: Pipeline, device: dict[str, Any], at: str = "2026-01-01T00:00:00Z"
           ) -> dict[str, Any]:
    answer: dict[str, Any] = pipeline.post("/api/v1/decisions", {
        "device": device, "update": PATCH, "at": at}, role="ota", expect=200)
    return answer


def vendor_with_model(pipeline: Pipeline, name: str, aliases: list[str] | None = None
                      ) -> tuple[str, str]:
    vendor = pipeline.post("/api/v1/vendors", {"name": name, "aliases": aliases or []},
                           role="editor")
    model = pipeline.post("/api/v1/models", {"vendor_id": vendor["id"], "name": "Phone 1",
                                             "device_class": "handset"}, role="editor")
    return vendor["id"], model["id"]


def refreshed(pipeline: Pipeline, feeds: FeedServer) -> None:
    """Register the sample feed and bring its lists in."""
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])


def matches(pipeline: Pipeline, vendor_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = pipeline.get(f"/api/v1/matches?vendor_id={vendor_id}",
                                               "viewer")["items"]
    return items


def test_an_exact_alias_is_confirmed_and_the_vendor_denied(pipeline: Pipeline,
                                                           feeds: FeedServer) -> None:
    vendor_id, model_id = vendor_with_model(pipeline, "Huawei Device Co., Ltd.")
    pipeline.work()
    assert decide(pipeline, {"model_id": model_id})["verdict"] == "allow"
    refreshed(pipeline, feeds)
    [match] = matches(pipeline, vendor_id)
    assert match["status"] == "confirmed" and match["recorded_by"] == "screening"
    assert match["evidence"]["listed_name"]
    answer = decide(pipeline, {"model_id": model_id})
    assert (answer["verdict"], answer["basis"]) == ("deny", "licence_required")


def test_a_vendor_created_after_the_refresh_is_screened_too(pipeline: Pipeline,
                                                            feeds: FeedServer) -> None:
    refreshed(pipeline, feeds)
    vendor_id, model_id = vendor_with_model(pipeline, "HUAWEI TECHNOLOGIES COMPANY LIMITED")
    found = {m["designation"]["name"]: m["status"] for m in matches(pipeline, vendor_id)}
    assert found["Huawei Technologies Co., Ltd. (Huawei).  Affiliated Entity: Huawei Terminal "
                 "(Shenzhen) Co., Ltd."] == "confirmed"
    assert decide(pipeline, {"model_id": model_id})["verdict"] == "deny"


def test_a_near_match_waits_for_review_and_a_dismissal_is_remembered(
        pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/feed.json"))
    feeds.serve("/feed.json", feeds.root / "sample.json")
    pipeline.refresh(source["id"])
    vendor_id, model_id = vendor_with_model(pipeline, "Hikvision Digital Technology Co., Ltd.")
    [match] = matches(pipeline, vendor_id)
    assert match["status"] == "pending"
    answer = decide(pipeline, {"model_id": model_id})
    assert (answer["verdict"], answer["basis"]) == ("review", "possible_match")
    assert pipeline.get("/api/v1/matches?status=pending", "viewer")["items"][0]["id"] == \
        match["id"]
    pipeline.call("POST", f"/api/v1/matches/{match['id']}/dismiss", "viewer",
                  {"reason": "x"}, 403)
    pipeline.call("POST", f"/api/v1/matches/{match['id']}/dismiss", "editor", {}, 422)
    pipeline.post(f"/api/v1/matches/{match['id']}/dismiss",
                  {"reason": "a different company: checked its registry entry"},
                  role="editor", expect=200)
    assert decide(pipeline, {"model_id": model_id})["verdict"] == "allow"
    # A refresh that leaves the entry's names alone keeps the dismissal...
    feeds.serve("/feed.json", feeds.root / "sample.json", content_type="application/json")
    pipeline.post(f"/api/v1/sources/{source['id']}/refresh", expect=202)
    pipeline.work()
    assert [m["status"] for m in matches(pipeline, vendor_id)] == ["dismissed"]
    # ...one that changes them (Hikvision gains an alias) asks again.
    feeds.serve("/feed.json", feeds.root / "sample-next.json")
    pipeline.refresh(source["id"])
    [again] = matches(pipeline, vendor_id)
    assert again["id"] == match["id"] and again["status"] == "pending"
    assert decide(pipeline, {"model_id": model_id})["basis"] == "possible_match"


def test_confirming_a_match_makes_the_listing_apply(pipeline: Pipeline,
                                                   feeds: FeedServer) -> None:
    refreshed(pipeline, feeds)
    vendor_id, model_id = vendor_with_model(pipeline, "Hikvision Digital Technology Co., Ltd.")
    [match] = matches(pipeline, vendor_id)
    confirmed = pipeline.post(f"/api/v1/matches/{match['id']}/confirm",
                              {"reason": "the same company"}, role="editor", expect=200)
    assert confirmed["status"] == "confirmed" and confirmed["reason"] == "the same company"
    answer = decide(pipeline, {"model_id": model_id})
    assert (answer["verdict"], answer["basis"]) == ("deny", "licence_required")
    pipeline.call("POST", f"/api/v1/matches/{match['id']}/confirm", "editor",
                  {"reason": "again"}, 409)


def test_an_inline_vendor_is_screened_against_the_active_lists(pipeline: Pipeline,
                                                               feeds: FeedServer) -> None:
    refreshed(pipeline, feeds)
    disguised = "Ηuawei\u200b Technologies Co Ltd"  # Greek capital Eta, a zero-width space
    assert decide(pipeline, {"vendor": disguised, "model": "P30"})["verdict"] == "deny"
    near = decide(pipeline, {"vendor": "Hikvision Digital Technology Co., Ltd.",
                             "model": "Cam"})
    assert (near["verdict"], near["basis"]) == ("review", "possible_match")
    unrelated = decide(pipeline, {"vendor": "Fairphone B.V.", "model": "5"})
    assert unrelated["verdict"] == "allow"
    huge = decide(pipeline, {"vendor": "Huawei " * 60, "model": "x"})
    assert huge["verdict"] != "allow"


def test_names_that_stop_matching_withdraw_machine_matches(pipeline: Pipeline,
                                                           feeds: FeedServer) -> None:
    refreshed(pipeline, feeds)
    vendor_id, _ = vendor_with_model(pipeline, "Hikvision Digital Technology Co., Ltd.")
    assert matches(pipeline, vendor_id)
    pipeline.call("PATCH", f"/api/v1/vendors/{vendor_id}", "editor",
                  {"name": "Fairphone B.V."}, 200)
    assert matches(pipeline, vendor_id) == []
