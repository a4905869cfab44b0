"""The very last line `python -m bench` prints: every figure next to its target, on one line.

The served figures (single decisions, batch) appear once per database engine the run used:
SQLite unprefixed, PostgreSQL prefixed `pg_`.
"""

from __future__ import annotations

from typing import Any

TARGETS = {"rules_repeated": 200_000, "rules_distinct": 20_000, "rps_ratio": 0.85,
           "p99_ratio": 2.0, "batch": 100_000, "distinct_rps_ratio": 0.6,
           "distinct_p99_ratio": 2.0, "decision_vs_bare": 0.5}
Results = dict[str, dict[str, Any]]


def _why(result: dict[str, Any] | None) -> str:
    if result is None:
        return "(not run)"
    return "(skipped)" if "skipped" in result else "(error)"


def _rate(result: dict[str, Any] | None, key: str, target: str) -> str:
    if not result or key not in result:
        return "n/a" + _why(result)
    value = result[key]
    return f"{value:,.0f}/s ({value / TARGETS[target]:.2f}× target)"


def _shown(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _figure(result: dict[str, Any] | None, key: str, unit: str, target: str) -> str:
    if not result or key not in result:
        return "n/a" + _why(result)
    return f"{_shown(result[key])}{unit} (target {target})"


def ratios_line(results: Results) -> str:
    rule = results.get("rules")
    return (f"ratios: rules_repeated={_rate(rule, 'repeated_per_s', 'rules_repeated')}"
            f" rules_distinct={_rate(rule, 'distinct_per_s', 'rules_distinct')}"
            f" {served(results, '')}"
            f" {served(results, 'pg_')}"
            f" {_pipeline(results)}")


def served(results: Results, prefix: str) -> str:
    """The single-decision and batch figures of one engine's server, names prefixed."""
    web, bulk = results.get(f"{prefix}http"), results.get(f"{prefix}batch")
    if prefix and web is None and bulk is None:
        return f"{prefix}served=n/a(DATABASE_URL is not PostgreSQL)"
    logged = (bulk or {}).get("log_exact")
    return (f"{prefix}decision_vs_livez_rps={_ratio(web, 'rps_ratio')}"
            f" (target ≥ {TARGETS['rps_ratio']})"
            f" {prefix}p99_ratio={_ratio(web, 'p99_ratio')}"
            f" (target ≤ {TARGETS['p99_ratio']:g})"
            f" {_more_http(web, prefix)}"
            f" {prefix}batch={_rate(bulk, 'decisions_per_s', 'batch')}"
            f" {prefix}batch_log_exact={'n/a' if logged is None else 'yes' if logged else 'NO'}")


def _ratio(result: dict[str, Any] | None, key: str) -> str:
    return f"{result[key]:.2f}" if result and key in result else "n/a"


def _more_http(web: dict[str, Any] | None, prefix: str) -> str:
    """The figures added after the first two: 64 connections, distinct keys, bare, CPU."""
    if not web or "rps_ratio_64" not in web:
        return f"{prefix}http_more=n/a{_why(web)}"
    at_least, at_most = TARGETS["rps_ratio"], TARGETS["p99_ratio"]
    cpu = ",".join(f"{name}:{web[f'cpu_us_{name}_16']:.0f}"
                   for name in ("livez", "decision", "distinct", "bare"))
    return (f"{prefix}decision_vs_livez_rps_64={web['rps_ratio_64']:.2f} (≥ {at_least})"
            f" {prefix}p99_ratio_64={web['p99_ratio_64']:.2f} (≤ {at_most:g})"
            f" {prefix}distinct_vs_livez_rps={web['distinct_rps_ratio']:.2f}"
            f" (≥ {TARGETS['distinct_rps_ratio']})"
            f" {prefix}distinct_p99_ratio={web['distinct_p99_ratio']:.2f}"
            f" (≤ {TARGETS['distinct_p99_ratio']:g})"
            f" {prefix}decision_vs_bare_16={web['decision_vs_bare_16']:.2f}"
            f" (≥ {TARGETS['decision_vs_bare']})"
            f" {prefix}decision_vs_bare_64={web['decision_vs_bare_64']:.2f}"
            f" (≥ {TARGETS['decision_vs_bare']})"
            f" {prefix}server_cpu_us_per_req={cpu} (at 16)"
            f" {prefix}http_failures={web['failures']:.0f} (target 0)"
            f" {prefix}cpu_used_elsewhere={web['cpu_share_elsewhere']:.0%} (of the machine)")


def _pipeline(results: Results) -> str:
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
