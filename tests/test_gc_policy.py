"""The garbage collector's policy of `roleplay serve` (server.tune_gc), in a fresh interpreter.

The policy changes process-wide collector state (frozen objects, a callback), so each
check runs in its own subprocess, never in the test process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PRELUDE = """
import gc, time, weakref
from roleplay.web.server import tune_gc

class Node:
    pass

def cyclic_garbage():
    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    return a, ref
"""


def run(body: str) -> None:
    code = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_survivors_of_a_young_pass_are_frozen() -> None:
    # a generation-0 pass then walks only what was allocated since, not every survivor
    run("""
        tune_gc(full_scan_every=3600)
        gc.disable()  # no automatic pass while the lists are made: only the one below
        kept = [[] for _ in range(5000)]
        before = gc.get_freeze_count()
        gc.collect(0)
        assert gc.get_freeze_count() >= before + 5000, (before, gc.get_freeze_count())
    """)


def test_frozen_cyclic_garbage_waits_for_the_periodic_full_scan() -> None:
    run("""
        tune_gc(full_scan_every=3600)
        a, ref = cyclic_garbage()
        gc.collect(0)  # a and b survive it, and are frozen
        del a
        for _ in range(3):
            gc.collect()
        assert ref() is not None, "frozen garbage was collected: nothing was frozen"
    """)


def test_the_periodic_full_scan_frees_frozen_cyclic_garbage() -> None:
    run("""
        tune_gc(full_scan_every=0.2)
        a, ref = cyclic_garbage()
        gc.collect(0)
        del a
        gc.collect()
        assert ref() is not None, "freed before its full scan was due"
        time.sleep(0.3)
        gc.collect(0)  # its end notices the full scan is due: everything is unfrozen
        gc.collect(1)  # a young pass in the meantime does not freeze it again
        gc.collect()   # the full pass that sees everything
        assert ref() is None, "the full scan never saw the frozen garbage"
        gc.collect(0)
        assert gc.get_freeze_count() > 0, "nothing frozen again after the full scan"
    """)
