"""Every callback's answer, cold, for the bench's selections: a JSON file to compare.

    python bench/answers.py --database-url sqlite:///demo.sqlite3 --output before.json
    python bench/answers.py --database-url sqlite:///demo.sqlite3 --compare before.json

A performance change must not move a published number: this records what each callback
the bench times answers for each fixed selection (the same request bodies), with the
app cache and the process's exact sums emptied before every request, and reports any
answer that differs from a recorded run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SELECTIONS  # noqa: E402
from bench.naive import bench_app  # noqa: E402
from bench.payloads import callback_targets, payload  # noqa: E402
from bench.timing import clear_cache  # noqa: E402


def answers(url: str) -> dict[str, object]:
    app = bench_app(url)
    client = app.server.test_client()
    out: dict[str, object] = {}
    for label, selection in SELECTIONS.items():
        for target in callback_targets(app):
            clear_cache(app)
            response = client.post("/_dash-update-component", json=payload(target, selection))
            body = response.get_json(silent=True) if response.status_code == 200 else None
            out[f"{target.key}|{label}"] = {"status": response.status_code, "body": body}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--output", help="write the answers here")
    parser.add_argument("--compare", help="a recorded file: exit 1 if any answer differs")
    args = parser.parse_args(argv)
    found = answers(args.database_url)
    if args.output:
        Path(args.output).write_text(json.dumps(found, sort_keys=True, indent=0))
    if args.compare:
        recorded = json.loads(Path(args.compare).read_text())
        # Through JSON both ways, so a tuple and a list compare as the file holds them.
        found = json.loads(json.dumps(found))
        keys = recorded.keys() | found.keys()
        differ = sorted(k for k in keys if recorded.get(k) != found.get(k))
        for key in differ:
            print(f"differs: {key}")
        print(f"{len(found)} answers, {len(differ)} differ")
        return 1 if differ else 0
    print(f"{len(found)} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
