"""Buffers that one training step hands on to the next.

Every minibatch needs the same large arrays: the input projection, the
cached states and gates, the gradients flowing back through time. Allocated
afresh, each costs the operating system's page faults on first touch, since
the allocator returns large freed blocks to the system; on the machines we
measure on that is about a fifth of an LSTM's training time at medium sizes. A
:class:`Workspace` keeps each buffer, by name, for the next step.

Buffers come back holding whatever the last step left in them. The arrays
made from them are valid until the same name is asked for again: a cache
from :func:`skrnn._engine.network.forward` serves the backward pass that
follows it, and the next forward pass reuses its memory. Callers that keep
results across steps pass no workspace (the default everywhere), and get
fresh arrays.
"""

import math

import numpy as np


class Workspace:
    """Named buffers reused across calls; :meth:`sub` gives a namespace.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.workspace import Workspace
    >>> ws = Workspace()
    >>> a = ws.empty("h", (2, 3), np.float32)
    >>> b = ws.empty("h", (1, 3), np.float32)  # a smaller batch: same memory
    >>> np.shares_memory(a, b)
    True
    """

    def __init__(self, _buffers=None, _prefix=""):
        self._buffers = {} if _buffers is None else _buffers
        self._prefix = _prefix

    def sub(self, name):
        """A view of this workspace whose names are prefixed with ``name``."""
        return Workspace(self._buffers, f"{self._prefix}{name}/")

    def empty(self, name, shape, dtype):
        """An uninitialised C-contiguous array, in the buffer called ``name``."""
        dtype = np.dtype(dtype)
        key = self._prefix + name
        size = math.prod(shape)
        buf = self._buffers.get(key)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(size, dtype=dtype)
            self._buffers[key] = buf
        return buf[:size].reshape(shape)

    def zeros(self, name, shape, dtype):
        """As :meth:`empty`, filled with zeros."""
        out = self.empty(name, shape, dtype)
        out.fill(0)
        return out


def empty(workspace, name, shape, dtype):
    """``workspace.empty(...)``, or a fresh array without a workspace."""
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    return workspace.empty(name, shape, dtype)


def zeros(workspace, name, shape, dtype):
    """``workspace.zeros(...)``, or a fresh array without a workspace."""
    if workspace is None:
        return np.zeros(shape, dtype=dtype)
    return workspace.zeros(name, shape, dtype)
