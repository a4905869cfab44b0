"""The benchmark feed generator writes feeds the parser reads, the same way every time."""

from __future__ import annotations

from bench import feedgen
from service.feeds.csl import LIST_CODES, count_by_list, parse


def test_a_generated_20k_feed_parses_with_60k_names(tmp_path):
    path = tmp_path / "csl.json"
    feedgen.generate(path, "csl-json")
    found = list(parse(path, "csl-json"))
    assert len(found) == 20_000
    assert sum(1 + len(entry.alt_names) for entry in found) == 60_000
    assert set(count_by_list(found)) == set(LIST_CODES)
    assert any("?" in entry.name for entry in found)
    assert any("有限公司" in alias for entry in found for alias in entry.alt_names)


def test_generated_json_and_csv_hold_the_same_entries(tmp_path):
    json_path, csv_path = tmp_path / "csl.json", tmp_path / "csl.csv"
    feedgen.generate(json_path, "csl-json", entries=1_000, names=3_000, seed=7)
    feedgen.generate(csv_path, "csl-csv", entries=1_000, names=3_000, seed=7)
    assert list(parse(json_path, "csl-json")) == list(parse(csv_path, "csl-csv"))


def test_generation_is_deterministic_and_the_seed_matters(tmp_path):
    paths = [tmp_path / f"{n}.json" for n in range(3)]
    for path, seed in zip(paths, (1, 1, 2), strict=True):
        feedgen.generate(path, "csl-json", entries=200, names=600, seed=seed)
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()


def test_the_command_line_infers_the_format_from_the_suffix(tmp_path, capsys):
    path = tmp_path / "feed.csv"
    feedgen.main([str(path), "--entries", "50", "--names", "120"])
    assert len(list(parse(path, "csl-csv"))) == 50
    assert "csl-csv" in capsys.readouterr().out
