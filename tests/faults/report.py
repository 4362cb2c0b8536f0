"""Render the measured part of docs/reliability.md from the fault tests' figures.

    python -m tests.faults.report [--check]

Reads test-artifacts/reliability/*.json (written by the tests in tests/faults) and replaces
what lies between the two markers in docs/reliability.md; the rest of the page is written
by hand. `make reliability` runs it after the tests. With --check it only says whether the
page is up to date with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reliability"
PAGE = ROOT / "docs" / "reliability.md"
BEGIN = "<!-- measured:begin (tests/faults/report.py writes this part from test-artifacts/reliability) -->"
END = "<!-- measured:end -->"

# The order of the table; tests not listed here follow in name order.
ORDER = [
    "test_a_server_killed_under_vote_load_loses_no_acknowledged_vote",
    "test_redis_crash_and_restart_under_vote_load",
    "test_mariadb_crash_and_restart",
    "test_deadlines_that_pass_while_every_process_is_down_fire_once",
    "test_s3_unreachable_submissions_and_generations_fail_cleanly",
]


def load(folder: Path = ARTIFACTS) -> list[dict[str, Any]]:
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    rank = {name: n for n, name in enumerate(ORDER)}
    return sorted(records, key=lambda r: (rank.get(r["name"], len(ORDER)), r["name"]))


def operations(record: dict[str, Any]) -> str:
    ops = record.get("operations", {})
    parts = []
    if "acked" in ops:
        rate = f" ({record['votes_per_s']:.0f}/s)" if record.get("votes_per_s") else ""
        parts.append(f"{ops['acked']} votes acknowledged{rate}")
    if ops.get("in_doubt"):
        parts.append(f"{ops['in_doubt']} unanswered (connection died)")
    if ops.get("refused"):
        codes = ", ".join(f"{k.split(':', 1)[1]}" for k in ops if k.startswith("refused:"))
        parts.append(f"{ops['refused']} refused ({codes})")
    if ops.get("submissions"):
        parts.append(f"{ops['submissions']} submissions")
    if "phase_changes_due" in ops:
        parts.append(f"{ops['phase_changes_due']} overdue phase changes, {ops['phase_changes_made']} made")
    return "; ".join(parts) or "-"


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def table(records: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Fault | Injected | Times | In flight at the fault | Operations during the test | Acknowledged lost | Recovery | Result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r.get('fault', r['name'])} | {r.get('injected', '-')} | {cell(r.get('injections'))} | "
            f"{cell(r.get('in_flight_at_fault'))} | {operations(r)} | **{cell(r.get('acknowledged_lost'))}** | "
            f"{cell(r.get('recovery_s'))} s | {r['outcome']} |"
        )
    return lines


def _pairs(mapping: dict[str, Any] | None, unit: str = " s") -> str:
    if not mapping:
        return "-"
    return ", ".join(f"{key} {cell(value)}{unit if value is not None else ''}" for key, value in mapping.items())


def details(r: dict[str, Any]) -> list[str]:
    """The figures particular to one test, as a list."""
    name = r["name"]
    out = [f"### {r.get('fault', name)}", "", f"`{r['test']}` - {r['outcome']}, {r['ran_at']}, {r['duration_s']} s.", ""]
    if r.get("recovery_measure"):
        out.append(f"- Recovery time measured as: {r['recovery_measure']}.")
    if "counter_mismatches" in r:
        out.append(
            f"- Database after the test: {r.get('acknowledged_lost', 0)} acknowledged votes missing, "
            f"{r.get('refused_but_written', 0)} refused votes written, {r['counter_mismatches']} images whose counters "
            "differ from a recount of their votes or of their vote history."
        )
    if "unanswered_but_stored" in r:
        out.append(f"- Votes that got no answer and turned out stored: {r['unanswered_but_stored']} (either outcome is allowed).")
    if "bad_resyncs" in r:
        out.append(f"- Resyncs with an older version or a wrong own vote: {r['bad_resyncs']}"
                   + (f" of {r['resyncs']}." if "resyncs" in r else "."))
    for kill in r.get("kills", []):
        out.append(
            f"- Kill of {kill['victim']}: {kill['screens_displaced']} screens displaced, votes in flight on it: "
            f"{kill['votes_in_flight']}; {kill['victim_acks_in_last_s']} votes acknowledged by it in its last second; every displaced screen voting "
            f"again on the other server after {kill['recovery_s_max']} s (median {kill['recovery_s_median']} s); "
            f"{kill['survivor_acks_during_failover']} votes acknowledged by the other server meanwhile."
        )
    for outage in r.get("outages", []):
        if "signal" in outage:
            out.append(
                f"- {outage['signal']}, {outage['down_s']:.0f} s down: {outage['votes_acked_while_down']} votes acknowledged "
                f"meanwhile; /healthz reported it after {_pairs(outage['outage_reported_after_s'])}; healthy again after "
                f"{_pairs(outage['healthy_after_restart_s'])}; tally events on every screen again after "
                f"{_pairs(outage['fanout_after_restart_s'])}."
            )
    if r.get("subscription_restarts"):
        out.append(f"- Subscription restarts by the watchdog: {_pairs(r['subscription_restarts'], '')}.")
    if r.get("probes"):
        out.append("- Requests during the outage:")
        for probe in r["probes"]:
            status = probe["status"] if probe["status"] is not None else "ack"
            out.append(f"  - {probe['request']}: {status} `{probe['code']}` in {probe['answered_in_s']} s")
    if "refused_during_outage" in r:
        out.append(f"- Votes during the outage: {r['refused_during_outage']} refused with `database_unavailable`, "
                   f"{r['acked_during_outage']} acknowledged; MariaDB's restart (crash recovery) took {r.get('mariadb_restart_s')} s; "
                   f"first vote acknowledged after it: {_pairs(r.get('recovery_per_server_s'))}.")
    for cycle in r.get("cycles", []):
        out.append(
            f"- {cycle['move']}: processes down {cycle['down_s']} s, deadline overdue by {cycle['overdue_at_restart_s']} s at "
            f"the restart; processes answering after {cycle['process_start_s']} s; the change committed "
            f"{cycle['moved_after_restart_s']} s after the restart; room version up by {cycle['version_delta']}; "
            f"rounds afterwards {[tuple(x) for x in cycle['rounds']]}."
        )
    if "submission_during_cut" in r:
        sub, gen = r["submission_during_cut"], r["generation_during_cut"]
        out.append(f"- Submission during the cut: {sub['status']} `{sub['code']}` after {sub['answered_in_s']} s (the S3 "
                   "client's own retries); nothing stored.")
        out.append(f"- /healthz during the cut: {r['healthz_during_cut']['status']}, storage ok = {r['healthz_during_cut']['storage']}.")
        jobs = ", ".join(f"{status} after {attempts} attempt(s)" for status, attempts in gen["jobs"])
        out.append(f"- Generation running at the cut: {gen['status']} (\"{gen['error']}\") after {gen['failed_after_s']} s; "
                   f"its job {jobs}; result objects stored: {len(gen['result_objects'])}.")
        quota = r.get("quota_used", {})
        out.append(f"- Quota used: {quota.get('after_failed_generation')} after the failure (refunded), "
                   f"{quota.get('after_recovery')} after the edit made once S3 was back; "
                   f"{r.get('votes_acked_during_cut')} votes acknowledged during the cut; /healthz 200 again "
                   f"{r.get('healthy_after_restore_s')} s after the link came back.")
    for step in r.get("steps", []):
        answers = ", ".join(step["script"]) or "good"
        if step["script"] and step["image"] == "done":
            answers += ", then a good one"
        error = f" (\"{step['error']}\")" if step.get("error") else ""
        out.append(f"- Provider answers {answers}: the edit is {step['image']}{error} after {step['attempts']} attempt(s), "
                   f"{step['took_s']} s after its submission.")
    if "quota_used_after_failure" in r:
        out.append(f"- Quota used after the failed edit: {r['quota_used_after_failure']} (the done edit only).")
    if r.get("failure"):
        out.append("- Failure:")
        out.extend(["", "```", r["failure"].strip()[-1200:], "```"])
    out.append("")
    return out


def render(records: list[dict[str, Any]]) -> str:
    if not records:
        return f"{BEGIN}\n\nNo figures yet: run `make reliability`.\n\n{END}"
    lines = [BEGIN, "", *table(records), ""]
    for record in records:
        lines.extend(details(record))
    lines.append(END)
    return "\n".join(lines)


def update(page: Path = PAGE, folder: Path = ARTIFACTS) -> str:
    text = page.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render(load(folder)) + text[stop:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether docs/reliability.md is up to date")
    args = parser.parse_args(argv)
    new = update()
    if args.check:
        if new != PAGE.read_text():
            print("docs/reliability.md differs from the figures in test-artifacts/reliability", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(new)
    print(f"wrote {PAGE.relative_to(ROOT)} from {len(load())} result(s) in {ARTIFACTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
