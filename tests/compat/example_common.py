"""What the checks of the training examples (check_mnist.py, check_burn_mnist.py) share: the
MNIST files they trained on, and polling TensorBoard until a run's data is all served."""

import gzip
import os
import struct
import time
import urllib.error


def product(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def read_idx(data_dir, name):
    """(dims, bytes) of the IDX file `name` or `name.gz` in data_dir."""
    for path, opener in ((os.path.join(data_dir, name), open),
                         (os.path.join(data_dir, name + ".gz"), gzip.open)):
        if os.path.isfile(path):
            with opener(path, "rb") as f:
                raw = f.read()
            rank = raw[3]
            dims = list(struct.unpack(">%dI" % rank, raw[4:4 + 4 * rank]))
            return dims, raw[4 + 4 * rank:]
    raise SystemExit("no %s(.gz) in %s" % (name, data_dir))


def poll(tag, make_checker, timeout):
    """Runs a fresh `make_checker().run()` once a second until it finds no problem or
    `timeout` seconds have passed (TensorBoard loads in the background). Prints the problems
    and returns (None, polls) on failure, (the passing checker, polls) on success."""
    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        polls += 1
        checker = make_checker()
        try:
            problems = checker.run()
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError,
                IndexError) as err:
            problems = ["request failed or unexpected answer: %r" % err]
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    if problems:
        for p in problems:
            print("%s MISMATCH %s" % (tag, p))
        print("%s FAIL: %d mismatches after %.0f s (%d polls)" % (tag, len(problems), timeout, polls))
        return None, polls
    return checker, polls
