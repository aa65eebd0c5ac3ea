"""Summarise a py-spy `--format raw` profile: the functions with the most samples.

    python bench/flame.py PROFILE.txt [--filter roleplay] [--top 30]
Own time (the leaf) and total time (anywhere on the stack) per function.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter", default="", help="only count frames whose text contains this")
    args = ap.parse_args()
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in args.path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        samples += n
        frames = [re.sub(r" \(/.*/site-packages/", " (", f) for f in stack.split(";")]
        if frames:
            own[frames[-1]] += n
        for f in set(frames):
            if args.filter in f:
                total[f] += n
    print(f"{samples} samples")
    print("-- own time")
    for f, n in own.most_common(args.top):
        print(f"{100 * n / samples:5.1f}%  {f}")
    print("-- total time")
    for f, n in total.most_common(args.top):
        print(f"{100 * n / samples:5.1f}%  {f}")


if __name__ == "__main__":
    main()
