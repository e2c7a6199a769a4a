"""Threads: how many the engine may use, and the work it runs concurrently.

The budget is the BLAS thread limit in effect, as threadpoolctl reads it: by
default every core; one under ``threadpoolctl.threadpool_limits(1)``, under
``OMP_NUM_THREADS=1`` or ``OPENBLAS_NUM_THREADS=1``, and in joblib's process
workers, which divide the cores among themselves. Inside a thread of the
engine's own pool the budget is one, so nothing nests.

Two uses of the budget:

* small products, one BLAS thread (:func:`one_blas_thread`): a recurrent step
  of a small network costs less than waking a second BLAS thread saves. The
  limit is set once around a whole training or prediction call: setting it
  costs several microseconds, as much as a small step.
* independent work run concurrently (:class:`BatchSplit`,
  :func:`run_parallel`): the two halves of a training minibatch through the
  time loop, forward and backward, and blocks of sequences in prediction.
  numpy releases the interpreter lock inside BLAS and element-wise loops, so
  the halves really run on two cores; each runs its BLAS on one thread and
  has buffers of its own. scipy's BLAS wrappers keep the lock, so inside the
  pool the cells accumulate products with numpy instead
  (:func:`accumulating_product`).

Split gradients are summed in a fixed order (part 0, then 1, ...), so a given
thread count gives bit-identical results run to run; results at different
thread counts agree to rounding.
"""

import contextlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.linalg import blas as _scipy_blas
from threadpoolctl import ThreadpoolController

from skrnn._engine.tokens import add_gradients

# A minibatch is split across threads only when each part keeps at least this
# many sequences and a recurrent step of the whole batch costs at least
# _SPLIT_STEP_FLOPS multiply-adds: below that, the per-step Python work,
# which holds the interpreter lock, outweighs what the second core gains
# (measured on two idle cores: a vanilla step of 64 x 128 x 128 ran 1.2 to
# 1.5x slower in two parts, a GRU step of three times that broke even, an
# LSTM step of four times that ran 0.83x).
_MIN_PART = 8
_SPLIT_STEP_FLOPS = 1 << 22

# Below this many multiply-adds per recurrent step, one BLAS thread: waking a
# second thread costs about what it saves on an idle machine, and several
# times more when the other cores are busy.
_SMALL_STEP_FLOPS = 1 << 25

GATES = {"rnn": 1, "lstm": 4, "gru": 3}

_local = threading.local()


def in_worker():
    """Whether the calling thread runs a part of the engine's parallel work."""
    return getattr(_local, "worker", False)


@contextlib.contextmanager
def _as_worker():
    previous = in_worker()
    _local.worker = True
    try:
        yield
    finally:
        _local.worker = previous


class _Blas:
    """The process's BLAS libraries, found once; the one-thread limit.

    Whether a BLAS thread count is the process's or the calling thread's
    depends on the library: OpenBLAS 0.3.31 keeps it per thread (a limit set
    or restored in one thread leaves the others' as they were), older
    builds share one count. So each thread sets the limit for itself on its
    outermost entry, when BLAS would run on more than one thread there, and
    restores it itself on the way out. A limit set in a thread is never
    restored from another, which would leave the first on one thread for
    good where counts are per thread; where the count is shared, a thread
    that enters while another holds the limit finds one thread and sets
    nothing, so the last restore puts back the count from before.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._controller = None  # made once: looking up the libraries is slow

    def controller(self):
        if self._controller is None:
            self._controller = ThreadpoolController().select(user_api="blas")
        return self._controller

    def threads(self):
        """The BLAS thread limit in effect (1 when no BLAS is found)."""
        counts = [lib.num_threads for lib in self.controller().lib_controllers]
        counts = [n for n in counts if n and n > 0]
        return min(counts) if counts else 1

    @contextlib.contextmanager
    def one_thread(self):
        depth = getattr(_local, "blas_depth", 0)
        limiter = None
        if depth == 0:
            with self._lock:
                if self.threads() > 1:
                    limiter = self.controller().limit(limits=1)
        _local.blas_depth = depth + 1
        try:
            yield
        finally:
            _local.blas_depth = depth
            if limiter is not None:
                with self._lock:
                    limiter.restore_original_limits()


_blas = _Blas()


def budget():
    """How many threads the engine may use now.

    The BLAS thread limit in effect (threadpoolctl's, joblib's in its
    workers, the environment's); 1 inside the engine's own worker threads.
    """
    if in_worker():
        return 1
    return _blas.threads()


def one_blas_thread():
    """A context in which BLAS runs on one thread; thread-safe, nestable."""
    return _blas.one_thread()


def step_flops(spec, batch_size):
    """Multiply-adds of one recurrent step of the widest layer."""
    H = max(spec.hidden_sizes)
    return batch_size * H * GATES[spec.cell] * H * len(spec.directions)


def n_parts(spec, batch_size, n_threads=None):
    """Into how many parts a batch of ``batch_size`` sequences is split."""
    n_threads = budget() if n_threads is None else n_threads
    if n_threads < 2 or step_flops(spec, batch_size) < _SPLIT_STEP_FLOPS:
        return 1
    return max(1, min(n_threads, batch_size // _MIN_PART))


def blas_threads_for(spec, batch_size, parts=1):
    """The BLAS threads for work on batches of ``batch_size`` in ``parts``.

    One BLAS thread when the work runs in parallel parts (each part is one
    thread) or when a step is small; otherwise the limit in effect.
    """
    if parts > 1 or step_flops(spec, batch_size) < _SMALL_STEP_FLOPS:
        return one_blas_thread()
    return contextlib.nullcontext()


# ---------------------------------------------------------------------------
# the pool

_pool_lock = threading.Lock()
_pool = None


def _mark_worker():
    _local.worker = True


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            # threads are started on demand: never more than the parts in
            # flight, which the budget bounds
            _pool = ThreadPoolExecutor(
                max_workers=max(1, (os.cpu_count() or 2) - 1),
                thread_name_prefix="skrnn",
                initializer=_mark_worker,
            )
        return _pool


def run_parallel(tasks):
    """Run the callables ``tasks`` concurrently; their results, in order.

    The first runs in the calling thread, the others in the pool, so
    ``len(tasks)`` threads work at once; callers keep it within
    :func:`budget`. An exception in any task is raised here, once all have
    finished.
    """
    if len(tasks) == 1:
        with _as_worker():
            return [tasks[0]()]
    pool = _get_pool()
    futures = [pool.submit(task) for task in tasks[1:]]
    try:
        with _as_worker():
            first = tasks[0]()
    finally:
        # wait for every part before anything is raised: they share buffers
        others = [f.exception() for f in futures]
    for exc in others:
        if exc is not None:
            raise exc
    return [first, *(f.result() for f in futures)]


def bounds(n, parts):
    """``parts`` contiguous ``(start, stop)`` ranges covering ``range(n)``."""
    edges = [round(k * n / parts) for k in range(parts + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


# ---------------------------------------------------------------------------
# products inside the pool


def _matmul_gemm(alpha, a, b, beta, c, trans_a=0, trans_b=0, overwrite_c=0):
    """BLAS's ``gemm`` in numpy, which releases the interpreter lock.

    ``c = alpha * op(a) @ op(b) + beta * c`` in place. The callers pass the
    Fortran-ordered transposes of C-contiguous arrays, so the product is
    taken on the transposes, ``c.T = op(b).T @ op(a).T``, where numpy calls
    BLAS without a copy.
    """
    A = a.T if trans_a else a
    B = b.T if trans_b else b
    cT = c.T
    if beta == 0:
        np.matmul(B.T, A.T, out=cT)
        if alpha != 1:
            cT *= alpha
        return c
    product = np.matmul(B.T, A.T)
    if alpha != 1:
        product *= alpha
    if beta != 1:
        cT *= beta
    cT += product
    return c


def _numpy_gemm(alpha, a, b, beta, c, trans_a=0, trans_b=0, overwrite_c=0):
    """``c = alpha * op(a) @ op(b) + beta * c`` in place, as BLAS's gemm."""
    product = (a.T if trans_a else a) @ (b.T if trans_b else b)
    if beta:
        c *= beta
        c += alpha * product
    else:
        # as BLAS: with beta 0, c is not read (it may hold anything)
        np.multiply(product, alpha, out=c)
    return c


def accumulating_product(dtype, n_rows):
    """BLAS's ``gemm`` for ``dtype``, used to accumulate products in place.

    ``gemm(1, W.T, h.T, 1, z.T, 0, 0, 1)`` does ``z += h @ W`` for
    C-contiguous ``W``, ``h`` and ``z``, whose transposes are the
    Fortran-ordered arrays BLAS reads and writes without a copy. (The output
    must be contiguous: scipy would silently write into a copy otherwise.)
    scipy's wrapper holds the interpreter lock, so in the engine's worker
    threads the same is done with numpy. For dtypes without a BLAS routine,
    and for empty batches, the same in numpy.
    """
    if not n_rows or dtype not in (np.float32, np.float64):
        return _numpy_gemm
    if in_worker():
        return _matmul_gemm
    return _scipy_blas.get_blas_funcs("gemm", dtype=dtype)


# ---------------------------------------------------------------------------
# a minibatch in parts


class BatchSplit:
    """The network's forward and backward passes over a batch cut in parts.

    Each part (a contiguous range of sequences) runs
    :func:`skrnn._engine.network.forward` and
    :func:`~skrnn._engine.network.backward` in a thread of its own, with its
    own buffers; the outputs are joined and the gradients summed, part 0
    first. The sequences of a batch are independent, so this is the same
    computation as one pass over the whole batch, up to the rounding of the
    sums. Dropout draws its masks per part: callers split no batch that has
    dropout.

    Parameters
    ----------
    parts : int
        1 runs the whole batch in the calling thread.
    """

    def __init__(self, parts=1):
        self.parts = parts

    def forward(self, params, spec, X, mask=None, **kwargs):
        """As :func:`skrnn._engine.network.forward`; the cache lists the parts."""
        from skrnn._engine import network

        B = X.shape[1]
        parts = min(self.parts, B)
        if parts < 2:
            return network.forward(params, spec, X, mask, **kwargs)
        states = kwargs.pop("states", None)
        workspace = kwargs.pop("workspace", None)

        def part(k, a, b):
            def run():
                m = None
                if mask is not None:
                    m = mask[:, a:b]
                    m = None if m.all() else m
                s = None
                if states is not None:
                    s = {key: tuple(v[a:b] for v in st) for key, st in states.items()}
                ws = None if workspace is None else workspace.sub(f"part{k}")
                return network.forward(
                    params, spec, X[:, a:b], m, states=s, workspace=ws, **kwargs
                )

            return run

        ranges = bounds(B, parts)
        results = run_parallel([part(k, a, b) for k, (a, b) in enumerate(ranges)])
        out = np.concatenate([r[0] for r in results], axis=-2)
        finals = {
            key: tuple(
                np.concatenate([r[2][key][i] for r in results])
                for i in range(len(results[0][2][key]))
            )
            for key in results[0][2]
        }
        cache = None
        if results[0][1] is not None:
            cache = {"parts": ranges, "caches": [r[1] for r in results]}
        return out, cache, finals

    def backward(self, params, spec, d_out, cache, *, need_dX=False, **kwargs):
        """As :func:`skrnn._engine.network.backward`, for :meth:`forward`'s cache."""
        from skrnn._engine import network

        if "parts" not in cache:
            return network.backward(
                params, spec, d_out, cache, need_dX=need_dX, **kwargs
            )
        workspace = kwargs.pop("workspace", None)

        def part(k, a, b):
            def run():
                ws = None if workspace is None else workspace.sub(f"part{k}")
                return network.backward(
                    params,
                    spec,
                    d_out[..., a:b, :],
                    cache["caches"][k],
                    need_dX=need_dX,
                    workspace=ws,
                    **kwargs,
                )

            return run

        ranges = cache["parts"]
        results = run_parallel([part(k, a, b) for k, (a, b) in enumerate(ranges)])
        grads = results[0][0]
        for g, _ in results[1:]:
            for name in grads:
                grads[name] = add_gradients(grads[name], g[name])
        dX = None
        if need_dX:
            dX = np.concatenate([r[1] for r in results], axis=1)
        return grads, dX


def map_blocks(fn, blocks, n_threads):
    """``[fn(a, b) for a, b in blocks]``, on up to ``n_threads`` threads.

    Thread ``k`` takes blocks ``k, k + n_threads, ...``; results come back
    in the order of ``blocks``.
    """
    n_threads = max(1, min(n_threads, len(blocks)))
    if n_threads == 1:
        return [fn(a, b) for a, b in blocks]
    results = [None] * len(blocks)

    def worker(k):
        def run():
            for i in range(k, len(blocks), n_threads):
                results[i] = fn(*blocks[i])

        return run

    run_parallel([worker(k) for k in range(n_threads)])
    return results


def split_blocks(n, block, parts):
    """Blocks of at most ``block`` sequences covering ``range(n)``, at least
    ``parts`` of them when ``n`` allows, of nearly equal sizes."""
    count = max(math.ceil(n / max(block, 1)), parts)
    count = max(1, min(count, n))
    return bounds(n, count)
