"""Plain-data codec for everything that crosses the sandbox boundary.

Both sides import this one file: the trusted grader and the untrusted child (which sees it
read-only inside the sandbox). The format is JSON; arrays travel as dtype + shape + base64 of
their raw bytes, so nothing is ever unpickled. A ``np.random.Generator`` (an input of functions
that draw at random) travels as its bit generator's state, so the child draws exactly what the
grader's generator would. ``decode`` is the trusted side's gate: it checks size, nesting,
dtypes and byte counts before a single array is built.
"""
from __future__ import annotations

import base64
import json
import math

import numpy as np

#: dtypes an answer may carry. Object, void, string and complex arrays never cross.
ALLOWED_DTYPES = frozenset(
    np.dtype(code).str for code in ("f8", "f4", "f2", "i8", "i4", "i2", "i1", "u8", "u4", "u2", "u1", "?")
)
MAX_NDIM = 8
MAX_DEPTH = 32
#: Bit generators whose state is plain integers: np.random.default_rng() makes a PCG64.
BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM}


class WireError(ValueError):
    """The bytes are not a valid answer; the message is safe to show the student."""


def _to_json(value, depth=0):
    if depth > MAX_DEPTH:
        raise WireError(f"the answer is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):  # np.float64 is a float and arrives as one
        return float(value) if isinstance(value, float) else int(value)
    if isinstance(value, np.generic):  # np.float32, np.bool_, np.int64 ... become 0-d arrays
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.str not in ALLOWED_DTYPES:
            raise WireError(f"an array of dtype {array.dtype} cannot be graded; use numbers or booleans")
        return {"__ndarray__": [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode()]}
    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        if state.get("bit_generator") not in BIT_GENERATORS:
            raise WireError(f"a random generator of type {state.get('bit_generator')} cannot be graded; "
                            "use np.random.default_rng()")
        return {"__generator__": state}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(item, depth + 1) for item in value]}
    if isinstance(value, list):
        return [_to_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise WireError("a dictionary in the answer has a key that is not a string")
        return {"__dict__": {key: _to_json(item, depth + 1) for key, item in value.items()}}
    raise WireError(f"an answer of type {type(value).__name__} cannot be graded")


def encode(value) -> bytes:
    """Plain data -> bytes. Raises WireError for anything that is not plain data."""
    try:
        return json.dumps(_to_json(value), allow_nan=True, separators=(",", ":")).encode()
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        if isinstance(error, WireError):
            raise
        raise WireError(f"the answer could not be encoded: {type(error).__name__}") from None


def _array(spec) -> np.ndarray:
    if not (isinstance(spec, list) and len(spec) == 3):
        raise WireError("malformed array")
    dtype_str, shape, data = spec
    if dtype_str not in ALLOWED_DTYPES:
        raise WireError(f"arrays of dtype {dtype_str!r} are not accepted")
    if not (isinstance(shape, list) and len(shape) <= MAX_NDIM
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
        raise WireError("malformed array shape")
    if not isinstance(data, str):
        raise WireError("malformed array data")
    dtype = np.dtype(dtype_str)
    expected = math.prod(shape) * dtype.itemsize
    # base64 length is known before decoding: reject lies about the size without allocating.
    if len(data) != 4 * math.ceil(expected / 3):
        raise WireError("array data does not match its shape")
    raw = base64.b64decode(data, validate=True)
    if len(raw) != expected:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _generator(state) -> np.random.Generator:
    """A Generator in ``state``; numpy's own setter checks every field of it."""
    if not (isinstance(state, dict) and state.get("bit_generator") in BIT_GENERATORS):
        raise WireError("malformed random generator")
    bit_generator = BIT_GENERATORS[state["bit_generator"]]()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError):
        raise WireError("malformed random generator") from None
    return np.random.Generator(bit_generator)


def _from_json(value, depth=0):
    if depth > MAX_DEPTH:
        raise WireError("the answer is nested too deeply")
    if isinstance(value, list):
        return [_from_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if len(value) != 1:
            raise WireError("malformed answer")
        (tag, inner), = value.items()
        if tag == "__ndarray__":
            return _array(inner)
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_from_json(item, depth + 1) for item in inner)
        if tag == "__dict__" and isinstance(inner, dict):
            return {key: _from_json(item, depth + 1) for key, item in inner.items()}
        if tag == "__generator__":
            return _generator(inner)
        raise WireError("malformed answer")
    return value  # None, bool, int, float, str: json gives nothing else


def decode(data: bytes, max_bytes: int) -> object:
    """Bytes from the untrusted side -> plain data, or WireError. Never unpickles."""
    if len(data) > max_bytes:
        raise WireError(f"the answer is larger than the {max_bytes // 2**20} MB limit")
    try:
        return _from_json(json.loads(data.decode("utf-8")))
    except WireError:
        raise
    except (ValueError, TypeError, RecursionError, MemoryError, UnicodeDecodeError):
        raise WireError("the answer could not be read back") from None
