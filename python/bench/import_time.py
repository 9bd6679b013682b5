"""Wall time of ``import refundkit`` in fresh interpreters (best and median of ``--runs``), and of the first use of a
name (which loads the native library, the generated module and ``asyncio``).

    $REFUNDKIT_CACHE/venv/bin/python python/bench/import_time.py [--runs 10] [--path DIR]

``--path DIR`` puts DIR first on ``sys.path`` (e.g. a copy of the installed package with another ``__init__.py``, to
compare two versions side by side against the same native library). For the per-module breakdown use
``python -X importtime -c 'import refundkit'``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from typing import List, Optional

SNIPPETS = {
    "import refundkit": "import refundkit",
    "import refundkit + first use (refundkit.EkoClient)": "import refundkit; refundkit.EkoClient",
}


def once(statement: str, path: Optional[str]) -> float:
    code = (
        "import sys, time\n"
        + ("sys.path.insert(0, {!r})\n".format(path) if path else "")
        + "t = time.perf_counter()\n{}\nprint(time.perf_counter() - t)".format(statement)
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip()) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--path", default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    print("# load average {:.2f} {:.2f} {:.2f}; {} runs each".format(*load, args.runs))
    for label, statement in SNIPPETS.items():
        times: List[float] = [once(statement, args.path) for _ in range(args.runs)]
        print("{}: best {:.1f} ms, median {:.1f} ms".format(label, min(times), statistics.median(times)))


if __name__ == "__main__":
    main()
