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


def test_one_server_shared_by_threads(tiny):
    """Threads may share a Server (and a ServiceClient): calls on one object take turns."""
    import numpy as np
    from conftest import SAMPLES
    server = lutfhe.Server(tiny["compiled"].circuit, tiny["eval_key"], threads=1)
    batch = lutfhe.encrypt(tiny["spec"], tiny["key"], np.tile(SAMPLES, (5, 1)))
    results = [None] * 4

    def work(i):
        results[i] = lutfhe.decrypt(tiny["spec"], tiny["key"], server.run(batch))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, tiny["compiled"].simulate(np.tile(SAMPLES, (5, 1))))
