"""Sources reach only public hosts, allow-listed ones, and files inside the feed folder.

Refused at registration (422 naming `url`, nothing written) and again when the worker fetches:
a `failed` refresh that is not retried, with nothing read. The pipeline allows 127.0.0.1 (the
feed server); 127.0.0.2 also reaches this machine on Linux, so a second server there stands for
an internal address the allow-list does not name.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from service import create_app
from tests.feeds.feed_server import FIXTURES, FeedServer
from tests.pipeline.conftest import Pipeline
from tests.pipeline.test_sources_api import sources_in_database

SAMPLE = FIXTURES / "sample.json"
ALLOW_HINT = "feeds reach it only if ELIG_FEED_ALLOW_HOSTS names it"


@pytest.fixture
def strict(pipeline: Pipeline) -> Pipeline:
    """The pipeline's database and keys, served by an app that allows feeds no private host."""
    settings = replace(pipeline.settings, feed_allow_hosts="")
    return Pipeline(settings, create_app(settings=settings), pipeline.keys)


@pytest.fixture
def folder(pipeline: Pipeline) -> Path:
    """The feed folder, holding the sample feed; and a file outside it, worth stealing."""
    pipeline.settings.feed_dir.mkdir(parents=True)
    shutil.copyfile(SAMPLE, pipeline.settings.feed_dir / "sample.json")
    outside = pipeline.settings.feed_dir.parent / "outside"
    outside.mkdir()
    shutil.copyfile(SAMPLE, outside / "secret.json")  # a valid feed: reading it would show
    return pipeline.settings.feed_dir


def refused(pipeline: Pipeline, method: str, path: str, body: dict[str, Any]) -> str:
    answer = pipeline.call(method, path, "admin", body, 422)
    assert answer.mimetype == "application/problem+json"
    errors = answer.get_json()["errors"]
    assert [e["field"] for e in errors] == ["url"], errors
    message: str = errors[0]["message"]
    return message


def failed_without_retry(pipeline: Pipeline, source_id: str) -> dict[str, Any]:
    """Refresh the source; check it failed, read and changed nothing, and will not run again."""
    shown = pipeline.refresh(source_id)
    refresh = shown["last_refresh"]
    assert refresh["outcome"] == "failed", refresh
    assert (refresh["sha256"], refresh["size"], refresh["counts"]) == (None, None, {})
    assert (shown["version"], shown["counts"], shown["last_error"]) == (0, {}, refresh["reason"])
    assert "\n" not in refresh["reason"]
    job = pipeline.get(f"/api/v1/jobs/{refresh['job_id']}")
    assert (job["status"], job["result"]["outcome"]) == ("finished", "failed")
    assert pipeline.get("/api/v1/jobs?status=scheduled")["items"] == []
    return refresh


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/csl.json", "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/csl.json", "https://100.64.0.1/csl.json", "http://[::1]/csl.json",
    "http://localhost/csl.json", "http://0.0.0.0/csl.json", "http://[::ffff:192.168.1.1]/",
])
def test_registration_refuses_hosts_on_internal_networks(strict: Pipeline, url: str) -> None:
    body = {"name": "Internal", "format": "csl-json", "url": url}
    assert refused(strict, "POST", "/api/v1/sources", body).endswith(ALLOW_HINT)
    assert sources_in_database(strict) == 0


def test_a_change_of_url_is_checked_like_a_registration(strict: Pipeline) -> None:
    created = strict.post("/api/v1/sources", {"name": "CSL", "format": "csl-json",
                                              "url": "https://8.8.8.8/csl.json"})
    path = f"/api/v1/sources/{created['id']}"
    reason = refused(strict, "PATCH", path, {"url": "http://169.254.169.254/latest/"})
    assert reason.startswith("169.254.169.254 leads to a link-local address")
    assert strict.get(path)["url"] == "https://8.8.8.8/csl.json"
    strict.call("PATCH", path, "admin", {"enabled": False}, 200)


def test_an_allow_listed_host_is_registered_and_fetched(pipeline: Pipeline,
                                                        feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    assert pipeline.refresh(source["id"])["last_refresh"]["outcome"] == "activated"


@pytest.mark.parametrize("target", ["elsewhere", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]:9/csl.json"])
def test_a_redirect_to_a_refused_address_fails_the_refresh_and_reaches_nothing(
        pipeline: Pipeline, feeds: FeedServer, target: str) -> None:
    with FeedServer(host="127.0.0.2") as elsewhere:
        location = elsewhere.url("/sample.json") if target == "elsewhere" else target
        feeds.redirect("/moved.json", location)
        source = pipeline.add_source(feeds.url("/moved.json"))  # 127.0.0.1: allowed
        refresh = failed_without_retry(pipeline, source["id"])
        assert feeds.count("/moved.json") == 1
        assert elsewhere.count("/sample.json") == 0  # not even a request line reached it
    assert refresh["reason"].endswith(ALLOW_HINT)
    host = location.split("/")[2].rsplit(":", 1)[0].strip("[]")
    assert refresh["reason"].startswith(f"{host} leads to a ")


def test_a_file_inside_the_feed_folder_is_registered_and_read(pipeline: Pipeline,
                                                              folder: Path) -> None:
    source = pipeline.add_source((folder / "sample.json").as_uri())
    shown = pipeline.refresh(source["id"])
    assert shown["last_refresh"]["outcome"] == "activated"
    assert sum(shown["counts"].values()) == 13


def escapes(folder: Path) -> dict[str, str]:
    """File URLs that lead out of the folder, most while seeming to stay in it."""
    (folder / "link.json").symlink_to(folder.parent / "outside" / "secret.json")
    (folder / "sub").symlink_to(folder.parent / "outside")
    return {
        "outside": (folder.parent / "outside" / "secret.json").as_uri(),
        "symlink": (folder / "link.json").as_uri(),
        "dotdot": (folder / "..").as_uri() + "/outside/secret.json",
        # Read as text, sub/.. is the folder itself; on disk, sub leads out and .. stays out.
        "symlink_dotdot": (folder / "sub").as_uri() + "/../outside/secret.json",
        "fixtures": SAMPLE.as_uri(),
    }


@pytest.mark.parametrize("kind", ["outside", "symlink", "dotdot", "symlink_dotdot",
                                  "fixtures"])
def test_registration_refuses_files_outside_the_feed_folder(pipeline: Pipeline, folder: Path,
                                                            kind: str) -> None:
    url = escapes(folder)[kind]
    body = {"name": "Stolen", "format": "csl-json", "url": url}
    reason = refused(pipeline, "POST", "/api/v1/sources", body)
    assert f"is outside the feed folder {folder}" in reason
    assert sources_in_database(pipeline) == 0


def test_a_file_swapped_for_a_symlink_out_of_the_folder_is_not_read(pipeline: Pipeline,
                                                                    folder: Path) -> None:
    feed = folder / "current.json"
    shutil.copyfile(SAMPLE, feed)
    source = pipeline.add_source(feed.as_uri())
    feed.unlink()
    feed.symlink_to(folder.parent / "outside" / "secret.json")
    reason = failed_without_retry(pipeline, source["id"])["reason"]
    assert reason.startswith(f"{feed}, which leads to {folder.parent / 'outside'}")


def test_a_folder_repointed_out_of_the_feed_folder_is_not_read_through_dotdot(
        pipeline: Pipeline, folder: Path) -> None:
    (folder / "inner").mkdir()
    (folder / "current").symlink_to(folder / "inner")
    source = pipeline.add_source((folder / "current").as_uri() + "/../sample.json")
    outside = folder.parent / "outside"
    (outside / "deeper").mkdir()
    os.rename(outside / "secret.json", outside / "sample.json")
    (folder / "current").unlink()
    (folder / "current").symlink_to(outside / "deeper")  # now current/.. is outside
    reason = failed_without_retry(pipeline, source["id"])["reason"]
    assert "is outside the feed folder" in reason


def test_a_file_url_naming_another_host_is_refused(pipeline: Pipeline, folder: Path) -> None:
    body = {"name": "Remote", "format": "csl-json", "url": "file://fileserver/feeds/csl.json"}
    assert "cannot name a host" in refused(pipeline, "POST", "/api/v1/sources", body)
