"""Benchmark lstm_lib.lstm against the time its matrix products alone take (the BLAS floor).

For each shape (N, T, D, H) and dtype it prints the median time of ``forward`` and of
``forward`` + ``backward``, the median time of the same matrix products done directly in
NumPy at their real shapes (one input projection, T recurrent products forward, T back,
three weight/input-gradient products), the ratio of the two, the time per step, and the
minor page faults per forward+backward (fresh memory the OS had to map in; costly on a
virtual machine).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lstm.py   # all shapes, float32 and float64
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lstm.py --repeats 31   # steadier medians
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lstm.py --shape 1,1000,8,32 --dtype float64

On a shared two-core machine, two OpenBLAS threads on these small products can stall for
whole time slices (seen here: a 15 ms forward pass taking 1.6 s); one thread gives stable
figures, and is what scripts/ set for the book.

Figures vary with the machine and its load (the header prints the load average): compare
figures measured in one run, and rerun when the floor itself looks slow.
"""

from __future__ import annotations

import argparse
import os
import time

try:
    import resource  # Unix only: page-fault counts
except ImportError:  # pragma: no cover - Windows
    resource = None

import numpy as np

from lstm_lib import lstm

SHAPES = [(32, 100, 64, 128), (1, 1000, 8, 32), (256, 50, 128, 256)]


def minor_faults():
    """Minor page faults of this process so far (None where the OS does not report them)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource else None


def median_time(fn, repeats):
    """Median seconds of ``repeats`` calls after one warm-up, and page faults per call."""
    fn()  # warm-up
    times = []
    faults = minor_faults()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    faults = None if faults is None else (minor_faults() - faults) / repeats
    return float(np.median(times)), faults


def shape_arg(text):
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected four positive integers N,T,D,H, got {text!r}")
    return shape


def blas_floor(N, T, D, H, dtype, rng):
    """A callable doing only the matrix products of a forward+backward pass."""
    x2 = rng.standard_normal((N * T, D)).astype(dtype)
    Wx = rng.standard_normal((D, 4 * H)).astype(dtype)
    Wh = rng.standard_normal((H, 4 * H)).astype(dtype)
    h = rng.standard_normal((N, H)).astype(dtype)
    da = rng.standard_normal((N, 4 * H)).astype(dtype)
    da2 = rng.standard_normal((N * T, 4 * H)).astype(dtype)
    h2 = rng.standard_normal((N * T, H)).astype(dtype)
    WhT, WxT = np.ascontiguousarray(Wh.T), np.ascontiguousarray(Wx.T)

    def fwd_bwd():
        x2 @ Wx
        for _ in range(T):
            h @ Wh
        for _ in range(T):
            da @ WhT
        x2.T @ da2
        h2.T @ da2
        da2 @ WxT

    return fwd_bwd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--shape", type=shape_arg, action="append", help="N,T,D,H (repeatable); default: all three"
    )
    parser.add_argument("--dtype", choices=["float32", "float64"], action="append")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    rng = np.random.default_rng(0)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    load = os.getloadavg()[0]
    print(
        f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={threads}, median of {args.repeats}, "
        f"load average {load:.2f} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'(N, T, D, H)':>22} {'dtype':>8} {'fwd ms':>9} {'fwd+bwd ms':>11} "
        f"{'floor ms':>9} {'ratio':>6} {'µs/step':>8} {'faults':>7}"
    )
    print(header)
    print("-" * len(header))
    for N, T, D, H in args.shape or SHAPES:
        for dtype in args.dtype or ("float32", "float64"):
            params = lstm.init_params(D, H, seed=0, dtype=dtype)
            x = rng.standard_normal((N, T, D)).astype(dtype)
            dh = rng.standard_normal((N, T, H)).astype(dtype)
            t_fwd, _ = median_time(lambda x=x, p=params: lstm.forward(x, p), args.repeats)
            t_all, faults = median_time(
                lambda x=x, p=params, dh=dh: lstm.backward(dh, lstm.forward(x, p)), args.repeats
            )
            t_floor, _ = median_time(blas_floor(N, T, D, H, dtype, rng), args.repeats)
            print(
                f"{str((N, T, D, H)):>22} {np.dtype(dtype).name:>8} {t_fwd * 1e3:9.2f} "
                f"{t_all * 1e3:11.2f} {t_floor * 1e3:9.2f} {t_all / t_floor:6.2f} "
                f"{t_all / T * 1e6:8.1f} {'n/a' if faults is None else f'{faults:.0f}':>7}"
            )


if __name__ == "__main__":
    main()
