"""The time loops of LSTM, GRU and SimpleRNN, compiled: the forms of ops/recurrent.py's loops that
run when Numba is installed, with the same arguments (see there for the equations, the layouts and
the masking rule).

NumPy runs a step as a dozen passes (17 going back) over the step's arrays, each with a call's
overhead; here a step is one BLAS matmul (SciPy's BLAS, two threads) and one loop that does all the
gate maths of an element in registers.

Going back, the step's matmul calls BLAS's gemm itself (`_multiply_add`) rather than `np.dot`, for
two things np.dot cannot do: read the step's gate gradients where the loop wrote them, one (G, N)
slice of the gate-major (G, T, N) array whose rows lie T·N apart (np.dot copies such a slice first,
so the loop wrote each gradient twice, there and into a contiguous copy), and add weight_hh @ dz_t
into dh (beta = 1) instead of into a buffer that another pass adds up. Measured alone, the LSTM
backward of benchmarks/bench_lstm.py went from 7.55 to 6.95 ms, and that benchmark's step from
12.2-12.4 to 10.9-11.6 ms.

The loops are plain, not `prange`: measured on the 2-core machine (training step of
benchmarks/bench_lstm.py), running the gate maths with `prange` made the step 30% slower, because
Numba's OpenMP threads keep spinning after each loop and take the second core from the BLAS
threads of the next matmul. Splitting the whole step between Numba threads instead (each thread
its units, or its rows of the batch, with matmuls small enough for OpenBLAS to keep to the calling
thread) was no faster in the training step, and fragile: a matmul big enough for OpenBLAS to use
its own threads, called from two Numba threads at once, stalled for 15 ms.

tanh is computed without the C library, whose tanh is a scalar call per element (ten times slower
than SIMD code): in float32 a rational function (Eigen's, within 3e-7 of the true value), in
float64 Cephes's (a rational function below 0.625, 1 - 2/(exp(2|x|) + 1) above, with exp reduced
to 2^k·exp(r); within 2 units in the last place). `contract` lets the compiler fuse
multiply-adds and nothing else, and error_model="numpy" drops the zero-division check that
blocks SIMD code.
"""

import ctypes
import math

import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address, overload

from deepgrad.engine.errors import MissingDependencyError

try:
    import scipy.linalg.cython_blas  # noqa: F401  (Numba's np.dot calls the BLAS that SciPy ships)
except ImportError as error:
    raise MissingDependencyError(
        "the compiled recurrent kernels need SciPy, whose BLAS Numba calls for matmuls: pip install scipy, "
        "or run the NumPy loops with deepgrad.engine.kernels.use_compiled(False)"
    ) from error

_FAST = {"contract"}
_TANH32_LIMIT = 7.90531110763549805  # beyond it, the float32 tanh is ±1
_TANH32_P = (-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-08,
             1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03)  # odd numerator, in x²
_TANH32_Q = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)
_TANH64_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_TANH64_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
_EXP_P = (1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1)
_EXP_Q = (3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1,
          2.00000000000000000009e0)
_LN2_HIGH, _LN2_LOW = 6.93145751953125e-1, 1.42860682030941723212e-6  # ln 2 in two parts, for exact r


def tanh(x):
    """tanh(x) for a float32 or float64 scalar inside a kernel (typed by the overload below)."""
    return math.tanh(x)


def sigmoid(x):
    """σ(x) = 0.5·tanh(x/2) + 0.5, as in ops/recurrent.py."""
    return 0.5 * math.tanh(0.5 * x) + 0.5


@overload(tanh, jit_options={"fastmath": _FAST, "error_model": "numpy"})
def _tanh_typed(x):
    if x == types.float32:
        limit = np.float32(_TANH32_LIMIT)
        p0, p1, p2, p3, p4, p5, p6 = (np.float32(c) for c in _TANH32_P)
        q0, q1, q2, q3 = (np.float32(c) for c in _TANH32_Q)

        def tanh_float32(x):
            x = limit if x > limit else (-limit if x < -limit else x)
            x2 = x * x
            p = ((((((p0 * x2 + p1) * x2 + p2) * x2 + p3) * x2 + p4) * x2 + p5) * x2 + p6) * x
            q = ((q0 * x2 + q1) * x2 + q2) * x2 + q3
            return p / q

        return tanh_float32
    p0, p1, p2 = _TANH64_P
    q0, q1, q2 = _TANH64_Q
    e0, e1, e2 = _EXP_P
    f0, f1, f2, f3 = _EXP_Q

    def tanh_float64(x):
        a = abs(x)
        z = x * x
        small = x + x * z * ((p0 * z + p1) * z + p2) / (((z + q0) * z + q1) * z + q2)
        y = 40.0 if a > 20.0 else 2.0 * a  # exp(40) is past where 1 - 2/(exp + 1) rounds to 1
        k = math.floor(y * 1.4426950408889634 + 0.5)  # exp(y) = 2^k·exp(r), |r| <= ln(2)/2
        r = (y - k * _LN2_HIGH) - k * _LN2_LOW
        r2 = r * r
        pr = r * ((e0 * r2 + e1) * r2 + e2)
        exp_y = (1.0 + 2.0 * pr / ((((f0 * r2 + f1) * r2 + f2) * r2 + f3) - pr)) * float(1 << int(k))
        large = 1.0 - 2.0 / (exp_y + 1.0)
        return small if a < 0.625 else (large if x > 0 else -large)

    return tanh_float64


@overload(sigmoid, jit_options={"fastmath": _FAST, "error_model": "numpy"})
def _sigmoid_typed(x):
    half = np.float32(0.5) if x == types.float32 else 0.5
    return lambda x: half * tanh(half * x) + half


# --- shared -----------------------------------------------------------------------------------------
_GEMM_TYPE = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 13)  # Fortran ?gemm: every argument by reference
_GEMM = {np.dtype(np.float32): _GEMM_TYPE(get_cython_function_address("scipy.linalg.cython_blas", "sgemm")),
         np.dtype(np.float64): _GEMM_TYPE(get_cython_function_address("scipy.linalg.cython_blas", "dgemm"))}


@njit(cache=True)
def _multiply_add(gemm, a, b, c, beta, numbers, scalars):
    """c = a @ b + beta·c through SciPy's BLAS (`gemm`, its sgemm or dgemm), for row-major matrices
    whose rows may lie apart in memory (unit column stride, any row stride), such as one step of a
    (G, T, N) array, which np.dot would copy first. numbers (int32, 7) and scalars (2, the dtype)
    are scratch for the arguments, which Fortran takes by reference. Row-major c = a @ b is
    column-major cᵀ = bᵀ @ aᵀ, so b goes first; a row-major matrix is its transpose in column-major
    order, so neither is transposed ("N")."""
    item = a.itemsize
    numbers[0], numbers[1], numbers[2] = b.shape[1], a.shape[0], a.shape[1]  # m, n, k of cᵀ = bᵀ aᵀ
    numbers[3], numbers[4], numbers[5] = b.strides[0] // item, a.strides[0] // item, c.strides[0] // item
    numbers[6] = 78  # "N"
    scalars[0], scalars[1] = 1, beta
    n, s = numbers.ctypes.data, scalars.ctypes.data
    gemm(n + 24, n + 24, n, n + 4, n + 8, s, b.ctypes.data, n + 12, a.ctypes.data, n + 16, s + item, c.ctypes.data,
         n + 20)


@njit(cache=True)
def _transposed(a):
    """a.T as a new C-contiguous array, copied in 16 × 16 blocks. A plain transposing copy (NumPy's
    too) reads or writes every element a row apart: 160 µs for the LSTM's stacked weights (137, 512)
    against 51 µs here."""
    rows, columns = a.shape
    out = np.empty((columns, rows), a.dtype)
    for i0 in range(0, rows, 16):
        for j0 in range(0, columns, 16):
            for i in range(i0, min(i0 + 16, rows)):
                for j in range(j0, min(j0 + 16, columns)):
                    out[j, i] = a[i, j]
    return out


@njit(cache=True)
def _weight_gradient(states, dz, history, out):
    """out = [h_0 ... h_{T-1}] @ [dz_1 ... dz_T]ᵀ as ONE matmul, the states copied side by side into
    history (U, T, N); dz is gate-major (G, T, N). Plain loops, not slice assignments, which take
    Numba seconds to compile."""
    units, steps, n = history.shape
    for j in range(units):
        for t in range(steps):
            for k in range(n):
                history[j, t, k] = states[t, j, k]
    np.dot(history.reshape(units, steps * n), dz.reshape(dz.shape[0], steps * n).T, out)


@njit(cache=True)
def _copy_columns(source, target, first):
    """target[:, first : first + source.shape[1]] = source."""
    for i in range(source.shape[0]):
        for j in range(source.shape[1]):
            target[i, first + j] = source[i, j]


# --- LSTM -------------------------------------------------------------------------------------------
@njit(cache=True, fastmath=_FAST, error_model="numpy")
def lstm_forward(stacked, keep, inputs, cells, gates, tanh_cells):
    """Runs the T steps: fills h_1 ... h_T into inputs[1:T+1, :U], cells[1:], gates (after their
    activations) and tanh_cells from stacked = [weight_hh; weight_ih; bias] (K, 4U), the step columns
    inputs (T + 1, K, N) = [h_t; x_t; 1], cells[0] and keep ((T, 1, N) bool or None)."""
    u, n = cells.shape[1], cells.shape[2]
    w_t = _transposed(stacked)  # (4U, K): each step's matmul is fastest with its weights contiguous
    for t in range(gates.shape[0]):
        z, c_prev, column = gates[t], cells[t], inputs[t]  # column: [h_{t-1}; x_t; 1]
        c_next, h_next, tanh_c = cells[t + 1], inputs[t + 1], tanh_cells[t]
        np.dot(w_t, column, z)
        for j in range(u):
            for k in range(n):
                i = sigmoid(z[j, k])
                f = sigmoid(z[u + j, k])
                g = tanh(z[2 * u + j, k])
                o = sigmoid(z[3 * u + j, k])
                z[j, k], z[u + j, k], z[2 * u + j, k], z[3 * u + j, k] = i, f, g, o
                c = f * c_prev[j, k] + i * g
                tanh_c[j, k] = tanh(c)
                h = o * tanh_c[j, k]
                if keep is not None and not keep[t, 0, k]:  # a padded step: the state is carried over
                    c, h = c_prev[j, k], column[j, k]
                c_next[j, k], h_next[j, k] = c, h


def lstm_backward(grad, w, keep, inputs, cells, gates, tanh_cells, dh, dc, to_h0, grad_w, dz, history, w_ih, dx):
    """Runs back through the T steps from grad (T + 1, U, N), dL/dh_1 ... dL/dh_T then dL/dc_T: turns
    dh, dc from dL/dh_T, dL/dc_T into dL/dh_0, dL/dc_0 (dh only when to_h0), fills dz (4U, T, N) with
    dL/d pre-activations and, unless they are None, grad_w (K, 4U) = d [weight_hh; weight_ih; bias]
    and dx (F, T, N) = weight_ih @ dz = dL/dx."""
    _lstm_backward(grad, w, keep, inputs, cells, gates, tanh_cells, dh, dc, to_h0, grad_w, dz, history, w_ih, dx,
                   _GEMM[dh.dtype])


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _lstm_backward(grad, w, keep, inputs, cells, gates, tanh_cells, dh, dc, to_h0, grad_w, dz, history, w_ih, dx,
                   gemm):
    steps, (u, n) = gates.shape[0], dh.shape
    one, zero = dh.dtype.type(1), dh.dtype.type(0)
    numbers, scalars = np.empty(7, np.int32), np.empty(2, dh.dtype)
    for t in range(steps - 1, -1, -1):
        a, tc, c_prev = gates[t], tanh_cells[t], cells[t]
        for j in range(u):
            for k in range(n):
                i, f, g, o = a[j, k], a[u + j, k], a[2 * u + j, k], a[3 * u + j, k]
                dh_, tanh_c = dh[j, k], tc[j, k]
                dc_ = dc[j, k] + dh_ * o * (one - tanh_c * tanh_c)  # c_t reaches the loss through h_t too
                di = dc_ * g * i * (one - i)
                df = dc_ * c_prev[j, k] * f * (one - f)
                dg = dc_ * i * (one - g * g)
                do = dh_ * tanh_c * o * (one - o)
                dc_ *= f
                carried = zero
                if keep is not None and not keep[t, 0, k]:  # the state was carried over: so is its gradient
                    di = df = dg = do = zero
                    dc_, carried = dc[j, k], dh_
                dz[j, t, k], dz[u + j, t, k], dz[2 * u + j, t, k], dz[3 * u + j, t, k] = di, df, dg, do
                dc[j, k] = dc_
                dh[j, k] = carried + (grad[t - 1, j, k] if t > 0 else zero)  # weight_hh @ dz_t added below
        if t == 0 and not to_h0:
            break
        _multiply_add(gemm, w, dz[:, t], dh, 1, numbers, scalars)
    if grad_w is not None:
        _weight_gradient(inputs, dz, history, grad_w)
    if dx is not None:
        np.dot(w_ih, dz.reshape(dz.shape[0], -1), dx.reshape(dx.shape[0], -1))


# --- GRU --------------------------------------------------------------------------------------------
@njit(cache=True, fastmath=_FAST, error_model="numpy")
def gru_forward(xs, w, b, keep, states, gates, hidden):
    """Runs the T steps: fills states[1:], gates (r, z, n) and hidden (a = h_{t-1} @ weight_hh + bias_hh)
    from xs (T, 3U, N), w = weight_hh (U, 3U), b = bias_hh (3U,), states[0] and keep."""
    u, n = states.shape[1], states.shape[2]
    w_t = _transposed(w)
    for t in range(xs.shape[0]):
        a, act, x, h_prev, h_next = hidden[t], gates[t], xs[t], states[t], states[t + 1]
        np.dot(w_t, h_prev, a)
        for j in range(u):
            for k in range(n):
                a_r, a_z, a_n = a[j, k] + b[j], a[u + j, k] + b[u + j], a[2 * u + j, k] + b[2 * u + j]
                r = sigmoid(x[j, k] + a_r)
                z = sigmoid(x[u + j, k] + a_z)
                new = tanh(x[2 * u + j, k] + r * a_n)
                a[j, k], a[u + j, k], a[2 * u + j, k] = a_r, a_z, a_n
                act[j, k], act[u + j, k], act[2 * u + j, k] = r, z, new
                h = new + z * (h_prev[j, k] - new)
                if keep is not None and not keep[t, 0, k]:
                    h = h_prev[j, k]
                h_next[j, k] = h


def gru_backward(grad, w, keep, states, gates, hidden, dh, to_h0, grad_w, dx, dan, history):
    """Runs back through the T steps from grad (T, U, N): turns dh from dL/dh_T into dL/dh_0 (when
    to_h0), fills dx (3U, T, N) with dL/d x_projected = [dr, dz, dn], dan (U, T, N) with dL/da_n = dn·r,
    and grad_w unless it is None."""
    _gru_backward(grad, w, keep, states, gates, hidden, dh, to_h0, grad_w, dx, dan, history, _GEMM[dh.dtype])


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _gru_backward(grad, w, keep, states, gates, hidden, dh, to_h0, grad_w, dx, dan, history, gemm):
    steps, (u, n) = gates.shape[0], dh.shape
    one, zero = dh.dtype.type(1), dh.dtype.type(0)
    d = np.empty((3 * u, n), dh.dtype)  # dL/da of the step = [dr, dz, dn·r], for its matmul
    numbers, scalars = np.empty(7, np.int32), np.empty(2, dh.dtype)
    for t in range(steps - 1, -1, -1):
        act, a_n, h_prev = gates[t], hidden[t, 2 * u :], states[t]
        for j in range(u):
            for k in range(n):
                r, z, new, dh_ = act[j, k], act[u + j, k], act[2 * u + j, k], dh[j, k]
                dn = dh_ * (one - z) * (one - new * new)
                dz = dh_ * (h_prev[j, k] - new) * z * (one - z)
                dr = dn * a_n[j, k] * r * (one - r)
                skip = dh_ * z  # the part of dL/dh_{t-1} that skips the gates
                if keep is not None and not keep[t, 0, k]:  # carried over: all of dh skips the step
                    dn = dz = dr = zero
                    skip = dh_
                d[j, k], d[u + j, k], d[2 * u + j, k] = dr, dz, dn * r
                dx[j, t, k], dx[u + j, t, k], dx[2 * u + j, t, k], dan[j, t, k] = dr, dz, dn, dn * r
                dh[j, k] = skip + (grad[t - 1, j, k] if t > 0 else zero)  # weight_hh @ d added below
        if t == 0 and not to_h0:
            break
        _multiply_add(gemm, w, d, dh, 1, numbers, scalars)
    if grad_w is not None:  # d weight_hh = [h] @ [dr, dz, dn·r]ᵀ, the last block from dan
        rz, new = np.empty((u, 2 * u), dh.dtype), np.empty((u, u), dh.dtype)
        _weight_gradient(states, dx[: 2 * u], history, rz)
        _weight_gradient(states, dan, history, new)
        _copy_columns(rz, grad_w, 0)
        _copy_columns(new, grad_w, 2 * u)


# --- SimpleRNN --------------------------------------------------------------------------------------
@njit(cache=True, fastmath=_FAST, error_model="numpy")
def simple_rnn_forward(xs, w, activation, keep, states):
    """Runs the T steps: fills states[1:] from xs (T, U, N), w = weight_hh (U, U), states[0] and keep;
    activation is an index into ops/recurrent.py's SIMPLE_RNN_ACTIVATIONS."""
    u, n = states.shape[1], states.shape[2]
    w_t = _transposed(w)
    zero = states.dtype.type(0)
    for t in range(xs.shape[0]):
        x, h_prev, h = xs[t], states[t], states[t + 1]
        np.dot(w_t, h_prev, h)
        for j in range(u):
            for k in range(n):
                v = h[j, k] + x[j, k]
                if activation == 0:
                    v = tanh(v)
                elif activation == 1:
                    v = zero if v < zero else v  # NaN stays NaN, as with NumPy's maximum
                elif activation == 2:
                    v = sigmoid(v)
                if keep is not None and not keep[t, 0, k]:
                    v = h_prev[j, k]
                h[j, k] = v


def simple_rnn_backward(grad, w, activation, keep, states, dh, to_h0, grad_w, dz, history):
    """Runs back through the T steps from grad (T, U, N): turns dh from dL/dh_T into dL/dh_0 (when
    to_h0), fills dz (U, T, N), which is dL/d x_projected, and grad_w unless None."""
    _simple_rnn_backward(grad, w, activation, keep, states, dh, to_h0, grad_w, dz, history, _GEMM[dh.dtype])


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _simple_rnn_backward(grad, w, activation, keep, states, dh, to_h0, grad_w, dz, history, gemm):
    steps, (u, n) = states.shape[0] - 1, dh.shape
    one, zero = dh.dtype.type(1), dh.dtype.type(0)
    numbers, scalars = np.empty(7, np.int32), np.empty(2, dh.dtype)
    for t in range(steps - 1, -1, -1):
        h = states[t + 1]
        for j in range(u):
            for k in range(n):
                out = h[j, k]  # the derivative of each activation, from its output
                if activation == 0:
                    slope = one - out * out
                elif activation == 1:
                    slope = one if out > zero else zero
                elif activation == 2:
                    slope = out * (one - out)
                else:
                    slope = one
                carried = zero
                if keep is not None and not keep[t, 0, k]:
                    slope, carried = zero, dh[j, k]
                dz[j, t, k] = dh[j, k] * slope
                dh[j, k] = carried + (grad[t - 1, j, k] if t > 0 else zero)  # weight_hh @ dz_t added below
        if t == 0 and not to_h0:
            break
        _multiply_add(gemm, w, dz[:, t], dh, 1, numbers, scalars)
    if grad_w is not None:
        _weight_gradient(states, dz, history, grad_w)
