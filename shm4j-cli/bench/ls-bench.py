#!/usr/bin/env python3
"""Times `shm4j ls` over 1,000 segments that 10 processes map, against `ls -l /dev/shm`.

Usage: python3 shm4j-cli/bench/ls-bench.py [--segments 1000] [--mappers 10] [--runs 7]
Run from the repository root after building (./shm4j builds on first use). Creates segments named
shm4j-bench-<pid>-<n> and removes them, and the mapper processes it started, when done.
"""
import argparse
import mmap
import os
import statistics
import subprocess
import sys
import time

SHM = "/dev/shm"


def mapper(names, ready_fd):
    maps = []
    for n in names:
        fd = os.open(os.path.join(SHM, n), os.O_RDONLY)
        maps.append(mmap.mmap(fd, 4096, prot=mmap.PROT_READ))
        os.close(fd)
    os.write(ready_fd, b"r")
    os.close(ready_fd)
    # Stay until the parent closes our stdin (or 10 minutes pass).
    sys.stdin.read()


def timed(command, runs):
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{command} failed: {result.stderr.decode()}")
        times.append(elapsed)
    return times[1:]  # the first run is a warm-up


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--segments", type=int, default=1000)
    p.add_argument("--mappers", type=int, default=10)
    p.add_argument("--runs", type=int, default=7)
    a = p.parse_args()
    prefix = f"shm4j-bench-{os.getpid()}-"
    names = [f"{prefix}{i:04d}" for i in range(a.segments)]
    children = []
    try:
        for n in names:
            with open(os.path.join(SHM, n), "wb") as f:
                f.write(b"\0" * 4096)
        for _ in range(a.mappers):
            r, w = os.pipe()
            child = subprocess.Popen([sys.executable, __file__, "--map", str(w)] + names, stdin=subprocess.PIPE,
                                     pass_fds=(w,))
            os.close(w)
            if os.read(r, 1) != b"r":
                sys.exit("a mapper failed to start")
            os.close(r)
            children.append(child)
        shm4j = timed(["./shm4j", "ls"], a.runs)
        json = timed(["./shm4j", "ls", "--json"], a.runs)
        ls = timed(["ls", "-l", SHM], a.runs)
        total = len(os.listdir(SHM))
        print(f"{a.segments} segments, {a.mappers} processes mapping each, {total} entries in {SHM}, "
              f"{a.runs} runs after a warm-up; median (min-max) seconds, whole process:")
        for label, t in (("shm4j ls", shm4j), ("shm4j ls --json", json), ("ls -l /dev/shm", ls)):
            print(f"  {label:18s} {statistics.median(t):.3f} ({min(t):.3f}-{max(t):.3f})")
        print(f"  ratio shm4j ls / ls -l: {statistics.median(shm4j) / statistics.median(ls):.1f}")
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=30)
        for n in names:
            try:
                os.unlink(os.path.join(SHM, n))
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--map":
        mapper(sys.argv[3:], int(sys.argv[2]))
    else:
        main()
