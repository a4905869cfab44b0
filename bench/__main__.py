"""`python -m bench`: the benchmarks of docs/performance.md; the ratios on the very last line.

The in-process rules benchmark runs first, alone on the machine; then one real server (granian,
as production runs it) serves the single-decision and the batch benchmarks in turn.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from bench import (
    batch,
    dashboard,
    feeds,
    http,
    names,
    pairs,
    propagation,
    rules,
    safety,
    screening,
)
from bench.server import running_server, workspace

TARGETS = {"rules_repeated": 200_000, "rules_distinct": 20_000, "rps_ratio": 0.85,
           "p99_ratio": 2.0, "batch": 50_000}
NAMES = ["rules", "names", "pairs", "screening", "feeds", "dashboard", "http", "batch",
         "propagation", "safety"]
OFFLINE = {  # benchmarks that need no server: (title, function)
    "names": ("name matching quality (name_bench, 826 labelled pairs)", names.run),
    "pairs": ("name matching quality (csl_pairs, aliases from public lists)", pairs.run),
    "screening": ("screening 2,000 vendors against 60,000 listed names", screening.run),
    "feeds": ("CSL-sized import: 20,000 entries, 60,000 names (own process)", feeds.run),
}


def _guarded(name: str, bench: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"\n== {name} ==", flush=True)
    try:
        result = bench()
    except Exception as exc:  # one failing benchmark must not hide the others' results
        traceback.print_exc(limit=3, file=sys.stdout)
        return {"error": f"{type(exc).__name__}: {exc}"}
    for key, value in result.items():
        print(f"  {key}: {_fmt(value)}")
    return result


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _rate(result: dict[str, Any] | None, key: str, target: str) -> str:
    if not result or key not in result:
        return "n/a" + (f"({_why(result)})" if result is not None else "(not run)")
    value = result[key]
    return f"{value:,.0f}/s ({value / TARGETS[target]:.2f}× target)"


def _why(result: dict[str, Any]) -> str:
    return "skipped" if "skipped" in result else "error"


def ratios_line(results: dict[str, dict[str, Any]]) -> str:
    web = results.get("http")
    rps = f"{web['rps_ratio']:.2f}" if web and "rps_ratio" in web else "n/a"
    p99 = f"{web['p99_ratio']:.2f}" if web and "p99_ratio" in web else "n/a"
    logged = results.get("batch", {}).get("log_exact")
    rule = results.get("rules")
    return (f"ratios: rules_repeated={_rate(rule, 'repeated_per_s', 'rules_repeated')}"
            f" rules_distinct={_rate(rule, 'distinct_per_s', 'rules_distinct')}"
            f" decision_vs_livez_rps={rps} (target ≥ {TARGETS['rps_ratio']})"
            f" p99_ratio={p99} (target ≤ {TARGETS['p99_ratio']:g})"
            f" batch={_rate(results.get('batch'), 'decisions_per_s', 'batch')}"
            f" batch_log_exact={'n/a' if logged is None else 'yes' if logged else 'NO'}"
            f" {_pipeline_ratios(results)}")


def _figure(result: dict[str, Any] | None, key: str, unit: str, target: str) -> str:
    if not result or key not in result:
        return "n/a" + (f"({_why(result)})" if result is not None else "(not run)")
    value = result[key]
    shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{shown}{unit} (target {target})"


def _pipeline_ratios(results: dict[str, dict[str, Any]]) -> str:
    named, screen = results.get("names"), results.get("screening")
    feed, spread = results.get("feeds"), results.get("propagation")
    own = results.get("pairs")  # review_load: matches per 1,000 vendors on no list
    return (f"names_company_f1={_figure(named, 'company_f1', '', '≥ 0.93')}"
            f" names_company_recall={_figure(named, 'company_recall', '', '≥ 0.95')}"
            f" names_company_precision={_figure(named, 'company_precision', '', '≥ 0.85')}"
            f" names_pairs={_figure(named, 'pairs_per_s', '/s', '≥ 10,000/s')}"
            f" own_sdn_recall={_figure(own, 'sdn_recall', '', '≥ 0.95')}"
            f" own_sdn_precision={_figure(own, 'sdn_precision', '', '≥ 0.85')}"
            f" own_un_recall={_figure(own, 'un_recall', '', '≥ 0.95')}"
            f" own_pairs={_figure(own, 'sdn_pairs_per_s', '/s', '≥ 10,000/s')}"
            f" screen_full={_figure(screen, 'full_screen_s', ' s', '≤ 10 s')}"
            f" review_load={_figure(screen, 'full_unrelated_review_per_1000', '', 'none set')}"
            f" screen_changed_100={_figure(screen, 'changed_100_s', ' s', '≤ 1 s')}"
            f" feed_import={_figure(feed, 'import_s', ' s', '≤ 10 s')}"
            f" feed_peak_rss={_figure(feed, 'peak_rss_mb', ' MB', '≤ 300 MB')}"
            f" restricting_change_everywhere="
            f"{_figure(spread, 'visible_everywhere_max_s', ' s', '≤ 1 s')}"
            f" dashboard_slowest_page="
            f"{_figure(results.get('dashboard'), 'slowest_ms', ' ms', '≤ 200 ms')}"
            f" {_safety(results.get('safety'))}")


def _safety(result: dict[str, Any] | None) -> str:
    if not result or "answers_5xx" not in result:
        return "safety=n/a"
    return (f"writes_5xx={result['answers_5xx']} (target 0)"
            f" write_duplicates={result['duplicates']} (target 0)"
            f" allowed_after_listing={result['allowed_after_vendor_201']}"
            f"+{result['allowed_naming_the_new_version']} (target 0)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=NAMES,
                        help="run only this benchmark (repeatable)")
    wanted = parser.parse_args(argv).only or NAMES
    results: dict[str, dict[str, Any]] = {}
    with workspace() as (workdir, redis_url):
        if "rules" in wanted:
            results["rules"] = _guarded("rules (in-process, one core)",
                                        lambda: rules.run(workdir, redis_url))
        for name, (title, bench) in OFFLINE.items():
            if name in wanted:
                results[name] = _guarded(title, bench)
        if "dashboard" in wanted:
            results["dashboard"] = _guarded(
                "dashboard pages with the demo data (median of 5 renders each, in process)",
                lambda: dashboard.run(workdir, redis_url))
        served = [name for name in ("http", "batch", "propagation", "safety")
                  if name in wanted]
        if served:
            try:
                with running_server(workdir, redis_url) as server:
                    print(f"\nserver: granian, {server.workers} workers at {server.base_url}")
                    if "http" in served:
                        results["http"] = _guarded(
                            "single decision vs /livez (wrk -t1 -c16 -d5s, 3 rounds)",
                            lambda: http.run(server))
                    if "batch" in served:
                        results["batch"] = _guarded(
                            "batch decisions (1,000 items, 4 client threads, ~5 s)",
                            lambda: batch.run(server))
                    if "propagation" in served:
                        results["propagation"] = _guarded(
                            "a restricting change reaching every web process (10 rounds)",
                            lambda: propagation.run(server))
                    if "safety" in served:
                        results["safety"] = _guarded(
                            "what must never happen: 5xx to writes, duplicates, late allows",
                            lambda: safety.run(server))
            except Exception as exc:  # the server did not start: say so, keep the last line
                print(f"\nthe server benchmarks could not run: {exc}")
                for name in served:
                    results.setdefault(name, {"error": str(exc)})
    print()
    print(ratios_line(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
