"""What loading py3langid's model costs: the packaged xz file (as py3langid reads it) against akhbar's zstd
copy in the user's cache (akhbar/langid_model.py).

    .venv/bin/python bench/language_model.py --repeat 5

Each load runs in a fresh child process (nothing of the model stays in memory between loads), the two
ways alternating; printed: medians of the CPU seconds and wall seconds of the load alone, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common


def child(way: str) -> None:
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from akhbar import langid_model  # imports outside the measured span

    c0, t0 = cpu(), time.perf_counter()
    if way == "packaged":
        LanguageIdentifier.from_model_file(MODEL_FILE)
    else:
        langid_model.load_identifier()
    print(json.dumps({"cpu": cpu() - c0, "wall": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--child", choices=("packaged", "cached"))
    args = ap.parse_args()
    if args.child:
        return child(args.child)
    common.print_machine()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CACHE_HOME": home}
        common.run_child([__file__, "--child", "cached"], env=env)  # writes the cache copy
        runs: dict[str, list[dict]] = {"packaged": [], "cached": []}
        for _ in range(args.repeat):
            for way in runs:
                runs[way].append(common.run_child([__file__, "--child", way], env=env))
    rows = [[way, f"{common.median(r['cpu'] for r in rs):.3f}", f"{common.median(r['wall'] for r in rs):.3f}"]
            for way, rs in runs.items()]  # fmt: skip
    print(common.md_table(["model read from", "CPU s", "wall s"], rows))
    packaged, cached = (common.median(r["cpu"] for r in runs[w]) for w in ("packaged", "cached"))
    print(f"\ncached / packaged CPU: {cached / packaged:.2f}x ({args.repeat} runs each, alternating)")


if __name__ == "__main__":
    main()
