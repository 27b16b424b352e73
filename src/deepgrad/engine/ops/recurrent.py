"""Fused recurrent primitives: a whole SimpleRNN, LSTM or GRU sequence as one op.

SimpleRNN and GRU project their inputs for all time steps with one matmul through ordinary ops
(x_projected = x @ weight_ih + bias, so that part of the gradient is automatic) and hand the
result to their primitive; `lstm` takes x and weight_ih itself and does the projection inside
each step's matmul (see there). The primitive runs the T steps with the gate maths fused per
step: one matmul with weight_hh into a preallocated buffer, then the gate maths, keeping the
activations that the backward needs. The backward runs back through time with one matmul per
step (for dh_{t-1}) and finds the recurrent weights' gradient with ONE matmul at the end, over
the states and gate gradients of all steps laid side by side:

    d weight_hh = [h_0, h_1, ..., h_{T-1}] @ [dz_1, dz_2, ..., dz_T]ᵀ

Two forms of each time loop, same arguments: the NumPy one here (in-place ufuncs with `out=`),
which is the reference and runs on CuPy, without Numba and under `kernels.use_compiled(False)`,
and a compiled one in kernels/recurrent.py (each step one BLAS matmul and one loop over the
elements), which runs on NumPy float32 and float64 arrays when Numba is installed.

Layout. Inside, a step's state is held transposed, as (units, batch), and a step computes
z_t = weight_hhᵀ @ h_{t-1}: with 4·units rows instead of 64 batch rows, OpenBLAS spreads that
matmul over both cores (twice as fast here), and each gate is a contiguous block of rows, so the
gate maths never touches strided memory. The forward buffers are step-major, (T, ·, batch), so each
step reads and writes one contiguous block. The layers pass x_projected as a (batch, time, ·) view
of such a (time, ·, batch) array, so nothing is copied (any other (N, T, ·) array works too, at the
cost of one transposing copy); lstm copies its (small) x into its step columns. The gate
gradients are gate-major, (·, T, batch), so that they are already side by side for the
d weight_hh matmul; the gradient of x_projected is a view of them.

Sigmoids are computed as σ(z) = 0.5·tanh(z/2) + 0.5: one transcendental ufunc for all gates of a
step instead of exp, add and reciprocal, and nothing can overflow. It is exact to float32's
absolute precision (for z < -17 it gives 0 where the true value is below 4e-8).

Masking follows Keras: `mask` (batch, time) is True at the real steps. At a masked (padded) step
the state is carried over unchanged (h_t = h_{t-1}, and c_t = c_{t-1}) and the output repeats the
previous output, which is that carried state (h_0 before the first real step, as in Keras's JAX
and NumPy backends; its TensorFlow backend gives zeros there). So the outputs are the states, the
last output is the final state, and a right-padded batch ends in the states of its unpadded rows.
"""


from deepgrad.engine import backend, dtypes, kernels, memory
from deepgrad.engine.autograd import record
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops.arithmetic import as_tensor, astype
from deepgrad.engine.ops.indexing import getitem
from deepgrad.engine.ops.shape import transpose
from deepgrad.engine.tensor import Tensor

SIMPLE_RNN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


# --- shared plumbing --------------------------------------------------------------------------------
def _alike(x_projected, *others):
    """The inputs as tensors of x_projected's floating dtype (casts are recorded, so differentiable)."""
    x = as_tensor(x_projected)
    if x.dtype.kind != "f":
        x = astype(x, dtypes.DEFAULT_FLOAT)
    others = [as_tensor(t, like=x) for t in others]
    return (x, *(t if t.dtype == x.dtype else astype(t, x.dtype) for t in others))


def _check_shapes(op, x, weight_hh, gates, states):
    """(batch, steps, units) after checking x_projected, weight_hh and the initial states."""
    if x.ndim != 3:
        raise ShapeError(f"{op}: x_projected must have shape (batch, time, {gates}·units), got {x.shape}")
    n, steps, width = x.shape
    units = weight_hh.shape[0] if weight_hh.ndim == 2 else 0
    if weight_hh.ndim != 2 or weight_hh.shape[1] != gates * units or width != gates * units:
        raise ShapeError(
            f"{op}: weight_hh must have shape (units, {gates}·units) and x_projected's last axis {gates}·units; "
            f"got weight_hh {weight_hh.shape} and x_projected {x.shape}"
        )
    if steps == 0:
        raise ShapeError(f"{op} needs at least one time step, got x_projected of shape {x.shape}")
    for name, state in states:
        if state.shape != (n, units):
            raise ShapeError(f"{op}: {name} must have shape (batch, units) = {(n, units)}, got {state.shape}")
    return n, steps, units


def _keep_mask(mask, n, steps, xp):
    """`mask` as a step-major (T, 1, N) bool array, or None when it is None or keeps every step."""
    if mask is None:
        return None
    mask = xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a bool array (True at the real steps), got dtype {mask.dtype}")
    if mask.shape != (n, steps):
        raise ShapeError(f"mask must have shape (batch, time) = {(n, steps)}, got {mask.shape}")
    if bool(mask.all()):
        return None
    return xp.ascontiguousarray(mask.T)[:, None, :]


_memory = memory.Reuse()


def _loops(name, forward, backward, *arrays):
    """The (forward, backward) time loops to run on `arrays`: the compiled ones from kernels/recurrent.py
    (which imports Numba) when kernels.ready says so and the dtype is float32 or float64, else these."""
    if kernels.ready(*arrays) and arrays[0].dtype.char in "fd":
        from deepgrad.engine.kernels import recurrent as compiled

        return getattr(compiled, f"{name}_forward"), getattr(compiled, f"{name}_backward")
    return forward, backward


def _step_major(x, xp):
    """x_projected (N, T, G) as a contiguous (T, G, N) array; free for the layers' views."""
    return xp.ascontiguousarray(x.transpose(1, 2, 0))


def _sigmoid_(a, xp):
    """σ(a) = 0.5·tanh(a/2) + 0.5, in place."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _masked_gradients(keep, *grads):
    """Split each gradient dL/d state_t at the masked columns, where the state was only carried over:
    returns the carried parts (added to dL/d state_{t-1} after the step) and zeroes them in place."""
    carried = [grad * ~keep for grad in grads]
    for grad in grads:
        grad *= keep
    return carried


def _weight_gradient(states, dz, history, xp):
    """d weight_hh = [h_0 ... h_{T-1}] @ [dz_1 ... dz_T]ᵀ, ONE (U, T·N) @ (T·N, G) matmul: the states
    are copied side by side into history (U, T, N); dz is gate-major (G, T, N) already. (For the
    LSTM the "states" are its step columns [h; x; 1], and the product is d [weight_hh; weight_ih; bias].)"""
    units, steps, n = history.shape
    history[...] = states[:steps].transpose(1, 0, 2)
    return history.reshape(units, steps * n) @ dz.reshape(-1, steps * n).T


def _unpack(packed, steps):
    """(outputs (N, T, U), h_T (N, U)) from the recorded (T + extras, U, N) array [h_1, ..., h_T, ...]."""
    sequence = packed if packed.shape[0] == steps else getitem(packed, slice(0, steps))
    return transpose(sequence, (2, 0, 1)), _step(packed, steps - 1)


def _step(packed, t):
    """Step t of the recorded (·, U, N) array, as (N, U)."""
    return transpose(getitem(packed, t), (1, 0))


# --- LSTM -------------------------------------------------------------------------------------------
def _lstm_forward(stacked, keep, inputs, cells, gates, tanh_cells):
    """Runs the T steps: fills h_1 ... h_T into inputs[1:T+1, :U], cells[1:], gates (after their
    activations) and tanh_cells from stacked = [weight_hh; weight_ih; bias] (K, 4U), the step columns
    inputs (T + 1, K, N) = [h_t; x_t; 1] (h_0 and the x_t filled in), cells[0] and keep ((T, 1, N)
    bool or None)."""
    xp = backend.array_module(inputs)
    u, n = cells.shape[1:]
    ig = xp.empty((u, n), inputs.dtype)
    for t in range(gates.shape[0]):
        z = gates[t]
        xp.matmul(stacked.T, inputs[t], out=z)  # x_t @ weight_ih + h_{t-1} @ weight_hh + bias, transposed
        i, f, g, o, ifo = z[:u], z[u : 2 * u], z[2 * u : 3 * u], z[3 * u :], z[: 2 * u]
        ifo *= 0.5  # σ(z) = 0.5·tanh(z/2) + 0.5: one tanh for the four gates
        o *= 0.5
        xp.tanh(z, out=z)
        for block in ifo, o:
            block *= 0.5
            block += 0.5
        c = cells[t + 1]
        xp.multiply(f, cells[t], out=c)
        xp.multiply(i, g, out=ig)
        c += ig
        xp.tanh(c, out=tanh_cells[t])
        h = inputs[t + 1, :u]
        xp.multiply(o, tanh_cells[t], out=h)
        if keep is not None:
            xp.copyto(c, cells[t], where=~keep[t])
            xp.copyto(h, inputs[t, :u], where=~keep[t])


def _lstm_backward(grad, w, keep, inputs, cells, gates, tanh_cells, dh, dc, to_h0, grad_w, dz, history, w_ih, dx):
    """Runs back through the T steps from grad (T + 1, U, N), dL/dh_1 ... dL/dh_T then dL/dc_T: turns
    dh, dc from dL/dh_T, dL/dc_T into dL/dh_0, dL/dc_0 (dh only when to_h0), fills dz (4U, T, N) with
    dL/d pre-activations and, unless they are None, grad_w (K, 4U) = d [weight_hh; weight_ih; bias]
    and dx (F, T, N) = weight_ih @ dz = dL/dx."""
    xp = backend.array_module(dh)
    u, n = dh.shape
    tmp, factor = xp.empty((u, n), dh.dtype), xp.empty((4 * u, n), dh.dtype)
    for t in reversed(range(gates.shape[0])):
        if keep is not None:
            carried_h, carried_c = _masked_gradients(keep[t], dh, dc)
        a, tanh_c = gates[t], tanh_cells[t]
        i, f, g, o = a[:u], a[u : 2 * u], a[2 * u : 3 * u], a[3 * u :]
        xp.multiply(tanh_c, tanh_c, out=tmp)  # c_t also reaches the loss through h_t = o·tanh(c_t):
        xp.subtract(1, tmp, out=tmp)  # dc += dh·o·(1 - tanh(c_t)²)
        tmp *= o
        tmp *= dh
        dc += tmp
        # di = dc·g·i(1-i), df = dc·c_{t-1}·f(1-f), dg = dc·i·(1-g²), do = dh·tanh(c_t)·o(1-o)
        xp.subtract(1, a, out=factor)
        factor *= a  # σ' = σ(1-σ) for i, f, o (the g block is redone below)
        factor[:u] *= g
        factor[u : 2 * u] *= cells[t]
        factor_g = factor[2 * u : 3 * u]
        xp.multiply(g, g, out=factor_g)
        xp.subtract(1, factor_g, out=factor_g)
        factor_g *= i
        factor[3 * u :] *= tanh_c
        d = dz[:, t]
        xp.multiply(dc, factor[: 3 * u].reshape(3, u, n), out=d[: 3 * u].reshape(3, u, n))
        xp.multiply(dh, factor[3 * u :], out=d[3 * u :])
        dc *= f  # dL/dc_{t-1}
        if t > 0 or to_h0:
            xp.matmul(w, d, out=dh)  # dL/dh_{t-1}
            if t > 0:
                dh += grad[t - 1]
        if keep is not None:
            dh += carried_h
            dc += carried_c
    if grad_w is not None:
        grad_w[...] = _weight_gradient(inputs, dz, history, xp)
    if dx is not None:
        xp.matmul(w_ih, dz.reshape(len(dz), -1), out=dx.reshape(len(dx), -1))


def lstm(x, h0, c0, weight_ih, weight_hh, bias=None, mask=None):
    """A whole LSTM sequence, fused; returns (outputs (N, T, U), h_T, c_T).

    x (N, T, F); h0, c0 (N, U); weight_ih (F, 4U); weight_hh (U, 4U); bias (4U,) or None; mask:
    optional (N, T) bool, True at the real steps. Gate order input, forget, cell, output:

        [i, f, g, o] = x_t @ weight_ih + h_{t-1} @ weight_hh + bias      (pre-activations)
        i, f, o = σ(i), σ(f), σ(o);   g = tanh(g)
        c_t = f·c_{t-1} + i·g;        h_t = o·tanh(c_t)

    The three terms of the pre-activations are summed before any gate, so they are one matmul
    per step, [weight_hh; weight_ih; bias]ᵀ @ [h_{t-1}; x_t; 1]: the step columns sit in one buffer
    (T + 1, U + F + 1, N) whose x and 1 rows are filled once and whose h rows the loop writes. So
    the input weights cost 7% more rows in the step's matmul (for F = 8, U = 128) instead of a
    separate projection of all steps, and the backward's ONE matmul at the end, over the step
    columns and gate gradients of all steps, gives d weight_hh, d weight_ih and d bias together.

        >>> x, w_ih, w_hh = dg.randn(2, 5, 3), dg.randn(3, 16), dg.randn(4, 16)
        >>> h0 = c0 = dg.zeros((2, 4))
        >>> outputs, h, c = ops.lstm(x, h0, c0, w_ih, w_hh)
        >>> outputs.shape, h.shape, c.shape
        ((2, 5, 4), (2, 4), (2, 4))
    """
    x, h0, c0, w_ih, w_hh, *b = _alike(x, h0, c0, weight_ih, weight_hh, *([] if bias is None else [bias]))
    n, steps, u, features = _check_lstm_shapes(x, w_ih, w_hh, b, h0, c0)
    xp = backend.array_module(x.data)
    keep = _keep_mask(mask, n, steps, xp)
    dtype = x.data.dtype
    weights = [w_hh, w_ih, *b]
    stacked = xp.concatenate([w_hh.data, w_ih.data, *(v.data[None] for v in b)])  # (K, 4U), K = U + F (+ 1)
    width = len(stacked)
    w_hh_data = xp.ascontiguousarray(w_hh.data)
    inputs = _memory.empty((steps + 2, width, n), dtype, xp)  # [h_t; x_t; 1] per step; then c_T in [T+1, :U]
    inputs[:steps, u : u + features] = x.data.transpose(1, 2, 0)
    if b:
        inputs[:steps, width - 1] = 1
    inputs[0, :u] = h0.data.T
    cells = _memory.empty((steps + 1, u, n), dtype, xp)  # c_0 ... c_T
    gates = _memory.empty((steps, 4 * u, n), dtype, xp)  # i, f, g, o of each step, after their activations
    tanh_cells = _memory.empty((steps, u, n), dtype, xp)
    cells[0] = c0.data.T
    run_forward, run_backward = _loops("lstm", _lstm_forward, _lstm_backward, inputs)
    run_forward(stacked, keep, inputs, cells, gates, tanh_cells)
    inputs[steps + 1, :u] = cells[steps]

    def backward(grad):
        # grad (T + 1, U, N): dL/dh_1 ... dL/dh_T (from the outputs), then dL/dc_T.
        grad = xp.ascontiguousarray(grad)
        dh, dc = grad[steps - 1].copy(), grad[steps].copy()  # dL/dh_t and dL/dc_t, running back
        grad_w = xp.empty((width, 4 * u), dtype) if any(v._requires_grad for v in weights) else None
        dz, history = _memory.empty((4 * u, steps, n), dtype, xp), _memory.empty((width, steps, n), dtype, xp)
        # dL/dx_t = weight_ih @ dz_t for all steps at once, in the loop's own matmul library (a NumPy
        # matmul here would leave NumPy's BLAS threads spinning against the compiled loops' next one)
        dx = xp.empty((features, steps, n), dtype) if x._requires_grad else None
        run_backward(grad, w_hh_data, keep, inputs, cells, gates, tanh_cells, dh, dc, h0._requires_grad, grad_w,
                     dz, history, xp.ascontiguousarray(w_ih.data), dx)
        grad_x = None if dx is None else dx.transpose(2, 1, 0)
        if grad_w is None:
            return (grad_x, dh.T, dc.T, *[None] * len(weights))
        # grad_w's rows follow the step column: weight_hh, weight_ih, then the bias
        return (grad_x, dh.T, dc.T, grad_w[u : u + features], grad_w[:u], *(grad_w[width - 1] for _ in b))

    packed = record(inputs[1:, :u], (x, h0, c0, w_ih, w_hh, *b), backward, "lstm")
    outputs, h_last = _unpack(packed, steps)
    return outputs, h_last, _step(packed, steps)


def _check_lstm_shapes(x, w_ih, w_hh, b, h0, c0):
    """(batch, steps, units, features) after checking lstm's inputs."""
    if x.ndim != 3:
        raise ShapeError(f"lstm: x must have shape (batch, time, features), got {x.shape}")
    n, steps, features = x.shape
    units = w_hh.shape[0] if w_hh.ndim == 2 else 0
    if w_hh.ndim != 2 or w_hh.shape[1] != 4 * units:
        raise ShapeError(f"lstm: weight_hh must have shape (units, 4·units), got {w_hh.shape}")
    if w_ih.shape != (features, 4 * units):
        raise ShapeError(
            f"lstm: weight_ih must have shape (features, 4·units) = {(features, 4 * units)} for x of shape "
            f"{x.shape} and weight_hh of shape {w_hh.shape}, got {w_ih.shape}"
        )
    if b and b[0].shape != (4 * units,):
        raise ShapeError(f"lstm: bias must have shape (4·units,) = ({4 * units},), got {b[0].shape}")
    if steps == 0:
        raise ShapeError(f"lstm needs at least one time step, got x of shape {x.shape}")
    for name, state in (("h0", h0), ("c0", c0)):
        if state.shape != (n, units):
            raise ShapeError(f"lstm: {name} must have shape (batch, units) = {(n, units)}, got {state.shape}")
    return n, steps, units, features


# --- GRU --------------------------------------------------------------------------------------------
def _gru_forward(xs, w, b, keep, states, gates, hidden):
    """Runs the T steps: fills states[1:], gates (r, z, n) and hidden (a = h_{t-1} @ weight_hh + bias_hh)
    from xs (T, 3U, N), w = weight_hh (U, 3U), b = bias_hh (3U,), states[0] and keep."""
    xp = backend.array_module(xs)
    u = states.shape[1]
    for t in range(xs.shape[0]):
        a, act, h = hidden[t], gates[t], states[t + 1]
        xp.matmul(w.T, states[t], out=a)
        a += b[:, None]
        rz, new = act[: 2 * u], act[2 * u :]
        xp.add(xs[t, : 2 * u], a[: 2 * u], out=rz)
        _sigmoid_(rz, xp)
        xp.multiply(act[:u], a[2 * u :], out=new)
        new += xs[t, 2 * u :]
        xp.tanh(new, out=new)
        xp.subtract(states[t], new, out=h)  # h_t = n + z·(h_{t-1} - n)
        h *= act[u : 2 * u]
        h += new
        if keep is not None:
            xp.copyto(h, states[t], where=~keep[t])


def _gru_backward(grad, w, keep, states, gates, hidden, dh, to_h0, grad_w, dx, dan, history):
    """Runs back through the T steps from grad (T, U, N): turns dh from dL/dh_T into dL/dh_0 (when
    to_h0), fills dx (3U, T, N) with dL/d x_projected = [dr, dz, dn], dan (U, T, N) with dL/da_n = dn·r,
    and grad_w unless it is None."""
    xp = backend.array_module(dh)
    u, n = dh.shape
    d = xp.empty((3 * u, n), dh.dtype)  # dL/da of the step = [dr, dz, dn·r]
    through_z, tmp = xp.empty((u, n), dh.dtype), xp.empty((u, n), dh.dtype)
    for t in reversed(range(gates.shape[0])):
        if keep is not None:
            (carried,) = _masked_gradients(keep[t], dh)
        r, z, new, dn = gates[t, :u], gates[t, u : 2 * u], gates[t, 2 * u :], dx[2 * u :, t]
        xp.multiply(new, new, out=tmp)  # dn = dh·(1-z)·(1-n²)
        xp.subtract(1, tmp, out=tmp)
        xp.multiply(dh, z, out=through_z)  # the part of dL/dh_{t-1} that skips the gates: dh·z
        xp.subtract(dh, through_z, out=dn)
        dn *= tmp
        xp.subtract(states[t], new, out=tmp)  # dz = dh·(h_{t-1} - n)·z(1-z)
        tmp *= dh
        xp.multiply(tmp, z, out=d[u : 2 * u])
        xp.subtract(1, z, out=tmp)
        d[u : 2 * u] *= tmp
        xp.multiply(dn, hidden[t, 2 * u :], out=d[:u])  # dr = dn·a_n·r(1-r)
        d[:u] *= r
        xp.subtract(1, r, out=tmp)
        d[:u] *= tmp
        xp.multiply(dn, r, out=d[2 * u :])
        dx[: 2 * u, t], dan[:, t] = d[: 2 * u], d[2 * u :]
        if t > 0 or to_h0:
            xp.matmul(w, d, out=dh)
            dh += through_z
            if t > 0:
                dh += grad[t - 1]
            if keep is not None:
                dh += carried
    if grad_w is not None:
        grad_w[:, : 2 * u] = _weight_gradient(states, dx[: 2 * u], history, xp)
        grad_w[:, 2 * u :] = _weight_gradient(states, dan, history, xp)


def gru(x_projected, h0, weight_hh, bias_hh, mask=None):
    """A whole GRU sequence with PyTorch's equations, fused; returns (outputs (N, T, U), h_T).

    With x_projected = x @ weight_ih + bias_ih = [x_r, x_z, x_n] (N, T, 3U), gate order reset,
    update, new, and [a_r, a_z, a_n] = h_{t-1} @ weight_hh + bias_hh:

        r = σ(x_r + a_r);   z = σ(x_z + a_z);   n = tanh(x_n + r·a_n)
        h_t = (1 - z)·n + z·h_{t-1}

    The reset gate multiplies a_n, recurrent bias included, which is why bias_hh comes separately.
    h0: (N, U); weight_hh: (U, 3U); bias_hh: (3U,); mask: optional (N, T) bool.

        >>> x, w_ih, w_hh, b_hh = dg.randn(2, 5, 3), dg.randn(3, 12), dg.randn(4, 12), dg.zeros(12)
        >>> outputs, h = ops.gru(x @ w_ih, dg.zeros((2, 4)), w_hh, b_hh)
        >>> outputs.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    x, h0, w, b = _alike(x_projected, h0, weight_hh, bias_hh)
    n, steps, u = _check_shapes("gru", x, w.data, 3, [("h0", h0)])
    if b.shape != (3 * u,):
        raise ShapeError(f"gru: bias_hh must have shape (3·units,) = {(3 * u,)}, got {b.shape}")
    xp = backend.array_module(x.data)
    keep = _keep_mask(mask, n, steps, xp)
    dtype = x.data.dtype
    xs, w_hh = _step_major(x.data, xp), xp.ascontiguousarray(w.data)
    run_forward, run_backward = _loops("gru", _gru_forward, _gru_backward, xs)
    states = _memory.empty((steps + 1, u, n), dtype, xp)  # h_0 ... h_T: [1:] is the recorded output
    gates = _memory.empty((steps, 3 * u, n), dtype, xp)  # r, z, n of each step
    hidden = _memory.empty((steps, 3 * u, n), dtype, xp)  # a = h_{t-1} @ weight_hh + bias_hh of each step
    states[0] = h0.data.T
    run_forward(xs, w_hh, xp.ascontiguousarray(b.data), keep, states, gates, hidden)

    def backward(grad):
        grad = xp.ascontiguousarray(grad)
        dh = grad[steps - 1].copy()
        grad_w = xp.empty((u, 3 * u), dtype) if w._requires_grad else None
        dx, dan = _memory.empty((3 * u, steps, n), dtype, xp), _memory.empty((u, steps, n), dtype, xp)
        history = _memory.empty((u, steps, n), dtype, xp)
        run_backward(grad, w_hh, keep, states, gates, hidden, dh, h0._requires_grad, grad_w, dx, dan, history)
        grad_b = xp.concatenate([dx[: 2 * u].sum(axis=(1, 2)), dan.sum(axis=(1, 2))]) if b._requires_grad else None
        return dx.transpose(2, 1, 0), dh.T, grad_w, grad_b

    packed = record(states[1:], (x, h0, w, b), backward, "gru")
    return _unpack(packed, steps)


# --- SimpleRNN --------------------------------------------------------------------------------------
def _simple_rnn_forward(xs, w, activation, keep, states):
    """Runs the T steps: fills states[1:] from xs (T, U, N), w = weight_hh (U, U), states[0] and keep;
    activation is an index into SIMPLE_RNN_ACTIVATIONS."""
    xp = backend.array_module(xs)
    for t in range(xs.shape[0]):
        h = states[t + 1]
        xp.matmul(w.T, states[t], out=h)
        h += xs[t]
        if activation == 0:
            xp.tanh(h, out=h)
        elif activation == 1:
            xp.maximum(h, 0, out=h)
        elif activation == 2:
            _sigmoid_(h, xp)
        if keep is not None:
            xp.copyto(h, states[t], where=~keep[t])


def _simple_rnn_backward(grad, w, activation, keep, states, dh, to_h0, grad_w, dz, history):
    """Runs back through the T steps from grad (T, U, N): turns dh from dL/dh_T into dL/dh_0 (when
    to_h0), fills dz (U, T, N), which is dL/d x_projected, and grad_w unless None."""
    xp = backend.array_module(dh)
    h = states[1:]  # the derivative of each activation, from its output
    slope = (lambda: 1 - h * h, lambda: (h > 0).astype(h.dtype), lambda: h * (1 - h),
             lambda: xp.ones_like(h))[activation]()
    for t in reversed(range(slope.shape[0])):
        if keep is not None:
            (carried,) = _masked_gradients(keep[t], dh)
        xp.multiply(dh, slope[t], out=dz[:, t])
        if t > 0 or to_h0:
            xp.matmul(w, dz[:, t], out=dh)
            if t > 0:
                dh += grad[t - 1]
            if keep is not None:
                dh += carried
    if grad_w is not None:
        grad_w[...] = _weight_gradient(states, dz, history, xp)


def simple_rnn(x_projected, h0, weight_hh, activation="tanh", mask=None):
    """A whole simple (Elman) RNN sequence, fused; returns (outputs (N, T, U), h_T).

    With x_projected = x @ weight_ih + bias (N, T, U):   h_t = act(x_t + h_{t-1} @ weight_hh),
    act one of "tanh" (default), "relu", "sigmoid", "linear". h0: (N, U); weight_hh: (U, U).

        >>> x, w_ih, w_hh = dg.randn(2, 5, 3), dg.randn(3, 4), dg.randn(4, 4)
        >>> outputs, h = ops.simple_rnn(x @ w_ih, dg.zeros((2, 4)), w_hh, activation="relu")
        >>> outputs.shape, bool((outputs.numpy() >= 0).all())
        ((2, 5, 4), True)
    """
    if activation not in SIMPLE_RNN_ACTIVATIONS:
        raise ValueError(f"simple_rnn: activation must be one of {SIMPLE_RNN_ACTIVATIONS}, got {activation!r}")
    x, h0, w = _alike(x_projected, h0, weight_hh)
    n, steps, u = _check_shapes("simple_rnn", x, w.data, 1, [("h0", h0)])
    xp = backend.array_module(x.data)
    keep = _keep_mask(mask, n, steps, xp)
    dtype, code = x.data.dtype, SIMPLE_RNN_ACTIVATIONS.index(activation)
    xs, w_hh = _step_major(x.data, xp), xp.ascontiguousarray(w.data)
    run_forward, run_backward = _loops("simple_rnn", _simple_rnn_forward, _simple_rnn_backward, xs)
    states = _memory.empty((steps + 1, u, n), dtype, xp)  # h_0 ... h_T: [1:] is the recorded output
    states[0] = h0.data.T
    run_forward(xs, w_hh, code, keep, states)

    def backward(grad):
        grad = xp.ascontiguousarray(grad)
        dh = grad[steps - 1].copy()
        grad_w = xp.empty((u, u), dtype) if w._requires_grad else None
        dz, history = _memory.empty((u, steps, n), dtype, xp), _memory.empty((u, steps, n), dtype, xp)
        run_backward(grad, w_hh, code, keep, states, dh, h0._requires_grad, grad_w, dz, history)
        return dz.transpose(2, 1, 0), dh.T, grad_w

    packed = record(states[1:], (x, h0, w), backward, "simple_rnn")
    return _unpack(packed, steps)
