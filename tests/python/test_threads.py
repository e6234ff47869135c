"""The GIL is released during long C++ calls: another Python thread keeps running meanwhile."""
import threading
import time

import lutfhe


def longest_pause_of_main_thread(work):
    """Runs work() in a thread while this thread loops; returns (longest gap between two loop
    iterations, the work's duration)."""
    done = threading.Event()
    span = {}

    def worker():
        start = time.perf_counter()
        work()
        span["seconds"] = time.perf_counter() - start
        done.set()

    t = threading.Thread(target=worker)
    last = time.perf_counter()
    gap = 0.0
    t.start()
    while not done.is_set():
        now = time.perf_counter()
        gap = max(gap, now - last)
        last = now
    t.join()
    return gap, span["seconds"]


def test_key_generation_lets_other_threads_run():
    key = lutfhe.ClientKey.generate("PBS_2BIT")
    for _ in range(3):  # the evaluation key alone takes about half a second here
        gap, seconds = longest_pause_of_main_thread(lambda: key.evaluation_key())
        if seconds > 0.2:
            break
    assert seconds > 0.2, "the call was too short to tell"
    # Holding the GIL would stop this thread for the whole call; released, it stops at most for
    # the interpreter's switch interval (5 ms) and scheduling on a busy machine.
    assert gap < seconds / 2, (gap, seconds)


def test_encrypt_lets_other_threads_run(tiny):
    import numpy as np
    x = np.tile(np.array([[1.0, 0.5, 0.25, 2.0]]), (3000, 1))
    gap, seconds = longest_pause_of_main_thread(
        lambda: lutfhe.encrypt(tiny["spec"], tiny["key"], x))
    assert seconds > 0.05
    assert gap < seconds / 2, (gap, seconds)
