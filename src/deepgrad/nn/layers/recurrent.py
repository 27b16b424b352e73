"""Recurrent layers: SimpleRNN, LSTM, GRU, and the Bidirectional wrapper.

Each takes inputs of shape (batch, time, features) and runs the time loop in one fused primitive
of `deepgrad.engine.ops.recurrent`, whose docstring has the equations. SimpleRNN and GRU project the
inputs of all time steps first, with one matmul (x @ weight_ih + bias); the LSTM primitive takes x
and does its input projection inside each step's matmul. Weights follow Keras's
layout (input features first) with Keras's initialisers: glorot_uniform for `weight_ih`,
orthogonal for `weight_hh`, zeros for biases. PyTorch stores the transposes (its
`weight_ih_l0` is our `weight_ih.T`).

Calls take `initial_state=` (a list of tensors: [h], or [h, c] for LSTM; zeros by default) and
`mask=` ((batch, time) bool, True at real steps; at padded steps the state is carried over and
the output repeats the previous one, as in Keras).

    >>> model = nn.Sequential([nn.LSTM(16, return_sequences=True), nn.GRU(8), nn.Dense(1)])
    >>> model(dg.randn(4, 10, 3)).shape
    (4, 1)
"""

from deepgrad.engine import backend, ops
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.ops import recurrent
from deepgrad.engine.tensor import Tensor
from deepgrad.nn import activations
from deepgrad.nn.module import Module, deserialize


def _project(x, weight, bias):
    """x @ weight + bias for every time step in one (batched) matmul, the bias folded in as one more
    row of weights against a row of ones, so it costs no pass of its own. It is computed in the
    layout of the fused loop (see deepgrad.engine.ops.recurrent), step t being
    [weight; bias]ᵀ @ [x_tᵀ; 1] of shape (G, batch), and returned as a (batch, time, G) view of it."""
    n, steps, features = x.shape
    columns = ops.transpose(x, (1, 2, 0))  # (time, features, batch)
    if bias is not None:
        ones = Tensor(backend.array_module(x.data).ones((steps, 1, n), dtype=x.dtype))
        columns = ops.concatenate([columns, ones], axis=1)
        weight = ops.concatenate([weight, ops.reshape(bias, (1, -1))], axis=0)
    return ops.transpose(ops.transpose(weight, (1, 0)) @ columns, (2, 0, 1))


class _Recurrent(Module):
    """What SimpleRNN, LSTM and GRU share: the config, the weights, the input checks and the call."""

    GATES = 1  # blocks of `units` columns in weight_ih and weight_hh
    STATE_NAMES = ("h",)

    def __init__(self, units, return_sequences=False, return_state=False, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", name=None):
        super().__init__(name)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"{type(self).__name__} needs a positive integer number of units, got {units!r}")
        self.units = units
        self.return_sequences, self.return_state, self.use_bias = return_sequences, return_state, use_bias
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.weight_ih = self.weight_hh = None

    def build(self, input_shape):
        self._check_rank(input_shape)
        width = self.GATES * self.units
        self.weight_ih = self.add_weight((input_shape[-1], width), self.kernel_initializer)
        self.weight_hh = self.add_weight((self.units, width), self.recurrent_initializer)
        if self.use_bias:
            self._build_biases(width)

    def _build_biases(self, width):
        self.bias = self.add_weight((width,), self.bias_initializer)

    def _check_rank(self, shape):
        if shape is None or len(shape) != 3:
            shape = tuple(shape) if shape is not None else None
            hint = ""
            if shape is not None and len(shape) == 2:
                hint = (f"; add a time axis: x.reshape({shape[0]}, 1, {shape[1]}) for one step of {shape[1]} "
                        f"features, or x.reshape({shape[0]}, {shape[1]}, 1) for {shape[1]} steps of one feature")
            raise ShapeError(
                f"{type(self).__name__} '{self.name}' expects inputs of shape (batch, time, features), "
                f"got {shape}{hint}"
            )

    def _check_input(self, x):
        self._check_rank(x.shape)
        features = self.weight_ih.shape[0]
        if x.shape[-1] != features:
            raise ShapeError(
                f"{type(self).__name__} '{self.name}' expected {features} input features but got an input of "
                f"shape {tuple(x.shape)}; it was built for {features} features at its first call"
            )
        if x.shape[1] == 0:
            raise ShapeError(f"{type(self).__name__} '{self.name}' needs at least one time step, got {x.shape}")

    def _initial_states(self, x, initial_state):
        n, names = x.shape[0], self.STATE_NAMES
        if initial_state is None:
            xp = backend.array_module(x.data)
            dtype = x.dtype if x.dtype.kind == "f" else self.weight_hh.dtype
            return [Tensor(xp.zeros((n, self.units), dtype)) for _ in names]
        states = [initial_state] if isinstance(initial_state, Tensor) else list(initial_state)
        expected = (f"initial_state=[{', '.join(names)}], {len(names)} tensor(s) of shape (batch, units) = "
                    f"{(n, self.units)}")
        if len(states) != len(names):
            raise ValueError(f"{type(self).__name__} '{self.name}' takes {expected}; got {len(states)}")
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        for state in states:
            if tuple(state.shape) != (n, self.units):
                raise ShapeError(f"{type(self).__name__} '{self.name}' takes {expected}; got shape {state.shape}")
        return states

    def _check_mask(self, x, mask):
        if mask is None:
            return None
        array = mask.data if isinstance(mask, Tensor) else backend.array_module(x.data).asarray(mask)
        expected = (f"{type(self).__name__} '{self.name}' takes mask= as a bool array of shape (batch, time) = "
                    f"{tuple(x.shape[:2])}, True at the real steps")
        if array.dtype != bool:
            raise TypeError(f"{expected}; got dtype {array.dtype} (compare with a padding value to get one)")
        if tuple(array.shape) != tuple(x.shape[:2]):
            raise ShapeError(f"{expected}; got shape {tuple(array.shape)}")
        return array

    def forward(self, x, initial_state=None, mask=None):
        self._check_input(x)
        states = self._initial_states(x, initial_state)
        outputs, *final = self._run(x, states, self._check_mask(x, mask))
        output = outputs if self.return_sequences else final[0]
        return (output, *final) if self.return_state else output

    def get_config(self):
        return {
            "units": self.units,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "recurrent_initializer": self.recurrent_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


class SimpleRNN(_Recurrent):
    """A fully connected recurrent layer: h_t = activation(x_t @ weight_ih + h_{t-1} @ weight_hh + bias).

    `weight_ih` (features, units), `weight_hh` (units, units), `bias` (units,). The activation is
    "tanh" (default), "relu", "sigmoid" or "linear". Returns the last output (batch, units), or all
    of them (batch, time, units) with return_sequences=True; with return_state=True, (output, h).

        >>> nn.SimpleRNN(4, return_sequences=True)(dg.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    def __init__(self, units, activation="tanh", return_sequences=False, return_state=False, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", name=None):
        super().__init__(units, return_sequences, return_state, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, name)
        name_of = activations.name_of(activations.get(activation))
        if name_of not in recurrent.SIMPLE_RNN_ACTIVATIONS:
            raise ValueError(
                f"SimpleRNN's fused loop supports the activations {recurrent.SIMPLE_RNN_ACTIVATIONS}, "
                f"got {activation!r}"
            )
        self.activation = name_of
        self.bias = None

    def _run(self, x, states, mask):
        projected = _project(x, self.weight_ih, self.bias)
        return recurrent.simple_rnn(projected, states[0], self.weight_hh, self.activation, mask)

    def get_config(self):
        return {"activation": self.activation, **super().get_config()}


class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), gate order input, forget, cell, output:

        [i, f, g, o] = x_t @ weight_ih + h_{t-1} @ weight_hh + bias
        c_t = σ(f)·c_{t-1} + σ(i)·tanh(g);   h_t = σ(o)·tanh(c_t)

    `weight_ih` (features, 4·units), `weight_hh` (units, 4·units), `bias` (4·units,): Keras's single
    bias (PyTorch's b_ih + b_hh). With unit_forget_bias=True (Keras's default) the forget gate's
    bias starts at 1, so the cell remembers by default early in training. Returns the last output,
    or all of them with return_sequences=True; with return_state=True, (output, h, c).

        >>> output, h, c = nn.LSTM(8, return_state=True)(dg.ones((2, 5, 3)))
        >>> output.shape, h.shape, c.shape
        ((2, 8), (2, 8), (2, 8))
    """

    GATES = 4
    STATE_NAMES = ("h", "c")

    def __init__(self, units, return_sequences=False, return_state=False, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, name=None):
        super().__init__(units, return_sequences, return_state, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, name)
        self.unit_forget_bias = unit_forget_bias
        self.bias = None

    def _build_biases(self, width):
        super()._build_biases(width)
        if self.unit_forget_bias:
            self.bias.data[self.units : 2 * self.units] = 1

    def _run(self, x, states, mask):  # the input projection happens inside, in the step's matmul
        return recurrent.lstm(x, states[0], states[1], self.weight_ih, self.weight_hh, self.bias, mask)

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al., 2014) with PyTorch's equations (Keras's reset_after=True),
    gate order reset, update, new:

        r = σ(x_t W_ir + b_ir + h_{t-1} W_hr + b_hr);   z = σ(x_t W_iz + b_iz + h_{t-1} W_hz + b_hz)
        n = tanh(x_t W_in + b_in + r·(h_{t-1} W_hn + b_hn));   h_t = (1 - z)·n + z·h_{t-1}

    `weight_ih` (features, 3·units), `weight_hh` (units, 3·units), `bias_ih`, `bias_hh` (3·units,).
    Returns the last output, or all of them with return_sequences=True; with return_state=True, (output, h).

        >>> nn.GRU(6)(dg.ones((2, 5, 3))).shape
        (2, 6)
    """

    GATES = 3

    def __init__(self, units, return_sequences=False, return_state=False, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", name=None):
        super().__init__(units, return_sequences, return_state, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, name)
        self.bias_ih = self.bias_hh = None

    def _build_biases(self, width):
        self.bias_ih = self.add_weight((width,), self.bias_initializer)
        self.bias_hh = self.add_weight((width,), self.bias_initializer)

    def _run(self, x, states, mask):
        projected = _project(x, self.weight_ih, self.bias_ih)
        bias_hh = self.bias_hh
        if bias_hh is None:
            bias_hh = Tensor(backend.array_module(self.weight_hh.data).zeros(3 * self.units, self.weight_hh.dtype))
        return recurrent.gru(projected, states[0], self.weight_hh, bias_hh, mask)


MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Module):
    """Runs a recurrent layer forwards and a copy of it backwards in time, and merges the two.

    `forward_layer` and `backward_layer` are both made from `layer`'s config (as in Keras, so
    `layer`'s own weights are not used); the backward one reads the sequence reversed, and with
    return_sequences its outputs are reversed back, so position t holds both directions' outputs
    for step t. merge_mode: "concat" (default, last axis), "sum", "mul", "ave", or None (a list of
    the two). With return_state: (output, *forward states, *backward states), or with merge_mode=None
    (forward output, backward output, *states). With a mask and return_sequences, the outputs at
    padded steps are zeros (Keras forces that too).

        >>> nn.Bidirectional(nn.LSTM(4, return_sequences=True))(dg.ones((2, 5, 3))).shape
        (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", name=None):
        if not isinstance(layer, _Recurrent):
            raise TypeError(f"Bidirectional wraps a SimpleRNN, LSTM or GRU layer, got {type(layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        super().__init__(name)
        self.merge_mode = merge_mode
        self.layer_spec = layer.serialize()
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{layer.name}"})
        self.backward_layer = type(layer).from_config({**config, "name": f"backward_{layer.name}"})
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state

    def forward(self, x, initial_state=None, mask=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2  # Keras's order: the forward layer's states, then the backward's
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        reversed_mask = None
        if mask is not None:
            mask = self.forward_layer._check_mask(x, mask)
            reversed_mask = mask[:, ::-1]
        y = self.forward_layer(x, initial_state=forward_state, mask=mask)
        y_reversed = self.backward_layer(x[:, ::-1], initial_state=backward_state, mask=reversed_mask)
        states = []
        if self.return_state:
            (y, *forward_states), (y_reversed, *backward_states) = y, y_reversed
            states = forward_states + backward_states
        if self.return_sequences:
            y_reversed = y_reversed[:, ::-1]
            if mask is not None:
                keep = Tensor(mask[:, :, None].astype(y.dtype))
                y, y_reversed = y * keep, y_reversed * keep
        merged = self._merge(y, y_reversed)
        if not self.return_state:
            return merged
        return (*merged, *states) if self.merge_mode is None else (merged, *states)

    def _merge(self, y, y_reversed):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_reversed], axis=-1)
        if self.merge_mode == "sum":
            return y + y_reversed
        if self.merge_mode == "mul":
            return y * y_reversed
        if self.merge_mode == "ave":
            return (y + y_reversed) * 0.5
        return [y, y_reversed]

    def get_config(self):
        return {"layer": self.layer_spec, "merge_mode": self.merge_mode, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize(config.pop("layer")), **config)


__all__ = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]
