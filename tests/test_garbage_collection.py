"""Long-running processes settle the garbage collector once their app is built."""

from __future__ import annotations

import gc

from bot.garbage_collection import YOUNG_GENERATION_THRESHOLD, settle_after_startup


def test_settling_freezes_what_exists_and_collects_the_young_generation_less_often():
    before = gc.get_threshold()
    try:
        built = [{"kept": n} for n in range(1_000)]  # stands for the app's long-lived objects
        settle_after_startup()
        assert gc.get_freeze_count() >= len(built)
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
