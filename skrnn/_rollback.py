"""Put an estimator back exactly as it was when a call fails.

A failed ``fit`` or ``partial_fit`` must leave the estimator as it was. Deep
copying its whole state at every call costs a large share of a
``partial_fit`` on a big network (new arrays of the size of the weights and of
the optimizer's state, and the page faults of touching them), so instead the
arrays are copied into buffers kept from one call to the next, and copied
back into the very same arrays on failure. Everything else the training loop
changes is small (lists of records, counters, random generators) and is saved
as it is.
"""

import weakref

import numpy as np

from skrnn._engine.optimizers import _BaseOptimizer

# one set of buffers per estimator, outside its __dict__ so that pickles and
# clones never see them; it goes away with the estimator
_BUFFERS = weakref.WeakKeyDictionary()


class _Saved:
    """The saved state of one estimator; see :func:`save`."""

    def __init__(self, estimator, buffers):
        self._estimator = estimator
        self._buffers = buffers
        self._used = set()
        self._arrays = []  # (array of the estimator, its saved copy)
        self._dicts = []  # (dict of the estimator, its saved items)
        self._lists = []  # (list of the estimator, its saved items)
        self._objects = []  # (object, its saved __dict__)
        self._generators = []  # (generator or RandomState, its saved state)
        self._state = dict(estimator.__dict__)
        for key, value in self._state.items():
            self._save(value, (key,))

    def _buffer(self, path, array):
        buf = self._buffers.get(path)
        if buf is None or buf.shape != array.shape or buf.dtype != array.dtype:
            buf = np.empty_like(array)
            self._buffers[path] = buf
        self._used.add(path)
        np.copyto(buf, array)
        return buf

    def _save(self, value, path):
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biufc":
                self._arrays.append((value, self._buffer(path, value)))
            else:
                self._arrays.append((value, value.copy()))
        elif isinstance(value, dict):
            self._dicts.append((value, dict(value)))
            for key, item in value.items():
                self._save(item, (*path, key))
        elif isinstance(value, list):
            # records are appended, never changed once there
            self._lists.append((value, list(value)))
        elif isinstance(value, _BaseOptimizer):
            self._objects.append((value, dict(vars(value))))
            for key, item in vars(value).items():
                self._save(item, (*path, key))
        elif isinstance(value, np.random.Generator):
            self._generators.append((value.bit_generator, value.bit_generator.state))
        elif isinstance(value, np.random.RandomState):
            self._generators.append((value, value.get_state()))

    def release_unused(self):
        """Forget buffers of arrays the estimator no longer holds."""
        for path in set(self._buffers) - self._used:
            del self._buffers[path]

    def restore(self):
        """Put every saved value back, in place where it was an array."""
        est = self._estimator
        est.__dict__.clear()
        est.__dict__.update(self._state)
        for obj, items in self._objects:
            obj.__dict__.clear()
            obj.__dict__.update(items)
        for d, items in self._dicts:
            d.clear()
            d.update(items)
        for lst, items in self._lists:
            lst[:] = items
        for array, saved in self._arrays:
            np.copyto(array, saved)
        for gen, state in self._generators:
            if isinstance(gen, np.random.RandomState):
                gen.set_state(state)
            else:
                gen.state = state


def save(estimator):
    """Save ``estimator``'s state so that :meth:`_Saved.restore` can undo a call.

    The arrays are copied into buffers that are reused at the next call, as
    long as they keep their shapes.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator about to change.

    Returns
    -------
    saved : _Saved
    """
    try:
        buffers = _BUFFERS[estimator]
    except KeyError:
        buffers = _BUFFERS[estimator] = {}
    saved = _Saved(estimator, buffers)
    saved.release_unused()
    return saved
