"""Benchmark lstm_lib.lstm against the time its matrix products alone take (the BLAS floor).

For each shape (N, T, D, H) and dtype it prints the median time of ``forward`` and of
``forward`` + ``backward``, the median time of the same matrix products done directly in
NumPy at their real shapes (one input projection, T recurrent products forward, T back,
three weight/input-gradient products), the ratio of the two, and the time per step.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lstm.py   # all shapes, float32 and float64
    python benchmarks/bench_lstm.py --repeats 9

On a shared two-core machine, two OpenBLAS threads on these small products can stall for
whole time slices (seen here: a 15 ms forward pass taking 1.6 s); one thread gives stable
figures, and is what scripts/ set for the book.

Figures vary with the machine and its load: compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from lstm_lib import lstm

SHAPES = [(32, 100, 64, 128), (1, 1000, 8, 32), (256, 50, 128, 256)]


def median_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def blas_floor(N, T, D, H, dtype, rng):
    """Callables doing only the forward and the forward+backward matrix products."""
    x2 = rng.standard_normal((N * T, D)).astype(dtype)
    Wx = rng.standard_normal((D, 4 * H)).astype(dtype)
    Wh = rng.standard_normal((H, 4 * H)).astype(dtype)
    h = rng.standard_normal((N, H)).astype(dtype)
    da = rng.standard_normal((N, 4 * H)).astype(dtype)
    da2 = rng.standard_normal((N * T, 4 * H)).astype(dtype)
    h2 = rng.standard_normal((N * T, H)).astype(dtype)
    WhT, WxT = np.ascontiguousarray(Wh.T), np.ascontiguousarray(Wx.T)

    def fwd():
        x2 @ Wx
        for _ in range(T):
            h @ Wh

    def fwd_bwd():
        fwd()
        for _ in range(T):
            da @ WhT
        x2.T @ da2
        h2.T @ da2
        da2 @ WxT

    return fwd, fwd_bwd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={threads}, median of {args.repeats}")
    header = (
        f"{'(N, T, D, H)':>22} {'dtype':>8} {'fwd ms':>9} {'fwd+bwd ms':>11} "
        f"{'floor ms':>9} {'ratio':>6} {'µs/step':>8}"
    )
    print(header)
    print("-" * len(header))
    for N, T, D, H in SHAPES:
        for dtype in (np.float32, np.float64):
            params = lstm.init_params(D, H, seed=0, dtype=dtype)
            x = rng.standard_normal((N, T, D)).astype(dtype)
            dh = rng.standard_normal((N, T, H)).astype(dtype)
            t_fwd = median_time(lambda x=x, p=params: lstm.forward(x, p), args.repeats)
            t_all = median_time(
                lambda x=x, p=params, dh=dh: lstm.backward(dh, lstm.forward(x, p)), args.repeats
            )
            floor_fwd, floor_all = blas_floor(N, T, D, H, dtype, rng)
            t_floor = median_time(floor_all, args.repeats)
            print(
                f"{str((N, T, D, H)):>22} {np.dtype(dtype).name:>8} {t_fwd * 1e3:9.2f} "
                f"{t_all * 1e3:11.2f} {t_floor * 1e3:9.2f} {t_all / t_floor:6.2f} "
                f"{t_all / T * 1e6:8.1f}"
            )


if __name__ == "__main__":
    main()
