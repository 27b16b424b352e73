"""Multi-head attention (Vaswani et al., 2017), with Keras's arguments and PyTorch's weights.

Each head h projects the queries, keys and values, and mixes the values by how well each query
matches each key:

    head_h = softmax(Q_h K_hᵀ / sqrt(key_dim)) V_h,   Q_h = query @ Wq_h + bq_h  (K_h, V_h alike)
    output = concat(head_1, ..., head_H) @ output_weight + output_bias

    >>> mha = nn.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = dg.ones((3, 5, 8))
    >>> mha(x, x).shape
    (3, 5, 8)
    >>> output, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    >>> scores.shape
    (3, 2, 5, 5)
"""

from deepgrad.engine import backend, ops
from deepgrad.engine.errors import ShapeError
from deepgrad.engine.random import generator
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.module import Module


def _positive_int(owner, label, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{owner} needs a positive integer {label}, got {value!r}")


class MultiHeadAttention(Module):
    """Multi-head scaled dot-product attention over inputs of shape (batch, time, features).

    Arguments (Keras's): `num_heads`; `key_dim`, the size of each head's queries and keys;
    `value_dim` (default key_dim), each head's values; `dropout` (0.0), the rate at which attention
    weights are dropped in training; `use_bias` (True); `output_dim` (default: the query's features).

    Call: `mha(query, value=None, key=None, attention_mask=None, padding_mask=None,
    use_causal_mask=False, return_attention_scores=False)`. `value` defaults to `query`
    (self-attention, so the layer also works in a Sequential) and `key` to `value`. The masks
    say where attention may go (True = may attend) and are combined with "and":

    - `attention_mask`: bool, broadcastable to (batch, T_q, T_k) or (batch, num_heads, T_q, T_k);
    - `padding_mask`: bool (batch, T_k), True at real tokens, False at padding (PyTorch's
      key_padding_mask is its negation);
    - `use_causal_mask`: query i sees keys 0..i only.

    A query that may attend to no key gets all-zero attention weights, so its output is
    `output_bias` (finite; PyTorch gives NaN). Returns the output (batch, T_q, output_dim), and with
    return_attention_scores also the weights (batch, num_heads, T_q, T_k).

    Weights, in Dense's layout (inputs first), the heads side by side (head h owns columns
    h·key_dim to (h+1)·key_dim; Keras's 3-D kernel is `query_weight.reshape(features, num_heads,
    key_dim)`): `query_weight` (query features, num_heads·key_dim), `key_weight` (key features,
    num_heads·key_dim), `value_weight` (value features, num_heads·value_dim), `output_weight`
    (num_heads·value_dim, output_dim), and the biases `query_bias`, `key_bias`, `value_bias`,
    `output_bias`. With E = num_heads·key_dim = the query's features and value_dim = key_dim, they
    are torch.nn.MultiheadAttention(E, num_heads, batch_first=True)'s, one to one:

        in_proj_weight = concatenate([query_weight.T, key_weight.T, value_weight.T])   # (3E, E)
        in_proj_bias   = concatenate([query_bias, key_bias, value_bias])               # (3E,)
        out_proj.weight = output_weight.T;   out_proj.bias = output_bias

    (with other key or value widths, torch's q_proj_weight, k_proj_weight and v_proj_weight are the
    transposes of ours). Kernels start glorot_uniform, biases zeros.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_dim=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", name=None):
        super().__init__(name)
        _positive_int("MultiHeadAttention", "num_heads", num_heads)
        _positive_int("MultiHeadAttention", "key_dim", key_dim)
        for label, value in (("value_dim", value_dim), ("output_dim", output_dim)):
            if value is not None:
                _positive_int("MultiHeadAttention", label, value)
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention dropout must be in [0, 1), got {dropout!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = key_dim if value_dim is None else value_dim
        self.dropout, self.use_bias, self.output_dim = dropout, use_bias, output_dim
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        for part in ("query", "key", "value", "output"):  # in this order in state_dict
            setattr(self, f"{part}_weight", None)
            setattr(self, f"{part}_bias", None)

    # --- weights ------------------------------------------------------------------------
    def build(self, query_shape, value_shape=None, key_shape=None):
        """Make the projections for queries of `query_shape` (and values and keys of theirs,
        which default to the query's and the value's)."""
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        for label, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            self._check_rank(label, shape)
        heads_k, heads_v = self.num_heads * self.key_dim, self.num_heads * self.value_dim
        output_dim = self.output_dim or query_shape[-1]
        for part, features, width in (("query", query_shape[-1], heads_k), ("key", key_shape[-1], heads_k),
                                      ("value", value_shape[-1], heads_v), ("output", heads_v, output_dim)):
            setattr(self, f"{part}_weight", self.add_weight((features, width), self.kernel_initializer))
            if self.use_bias:
                setattr(self, f"{part}_bias", self.add_weight((width,), self.bias_initializer))

    def __call__(self, query, value=None, key=None, **kwargs):
        if not self.built:  # build from all three inputs: Module's build sees only the first
            self.device = query.device if isinstance(query, Tensor) else "cpu"
            self.build(*(x.shape if isinstance(x, Tensor) else None for x in (query, value, key)))
        return super().__call__(query, value, key, **kwargs)

    # --- the maths ----------------------------------------------------------------------
    def forward(self, query, value=None, key=None, attention_mask=None, padding_mask=None,
                use_causal_mask=False, return_attention_scores=False):
        value = query if value is None else value
        key = value if key is None else key
        self._check_inputs(query, value, key)
        batch, steps_q, steps_k = query.shape[0], query.shape[1], key.shape[1]
        mask = self._combined_mask(query, attention_mask, padding_mask, use_causal_mask, batch, steps_q, steps_k)
        q = self._heads(query, "query", self.key_dim)  # (batch, heads, T_q, key_dim)
        k = self._heads(key, "key", self.key_dim)
        v = self._heads(value, "value", self.value_dim)
        weights = ops.attention_weights(q, k, mask)  # (batch, heads, T_q, T_k)
        mixed = self._dropped(weights) @ v  # (batch, heads, T_q, value_dim)
        mixed = ops.reshape(ops.transpose(mixed, (0, 2, 1, 3)), (batch, steps_q, self.num_heads * self.value_dim))
        output = self._project(mixed, "output")
        return (output, weights) if return_attention_scores else output

    def _project(self, x, part):
        y = x @ getattr(self, f"{part}_weight")
        bias = getattr(self, f"{part}_bias")
        return y if bias is None else y + bias

    def _heads(self, x, part, size):
        """(batch, time, features) -> (batch, heads, time, size): project, then split the columns by head."""
        batch, steps = x.shape[:2]
        projected = ops.reshape(self._project(x, part), (batch, steps, self.num_heads, size))
        return ops.transpose(projected, (0, 2, 1, 3))

    def _dropped(self, weights):
        if not self.training or self.dropout == 0:
            return weights
        keep = generator().random(weights.shape, dtype="float32") >= self.dropout
        scale = backend.to_device((keep / (1 - self.dropout)).astype(weights.dtype), weights.device)
        return weights * Tensor(scale)

    # --- checks and masks ---------------------------------------------------------------
    def _check_rank(self, label, shape):
        if shape is None or len(shape) != 3:
            raise ShapeError(
                f"MultiHeadAttention '{self.name}' takes {label} of shape (batch, time, features), got "
                f"{None if shape is None else tuple(shape)}; a single sequence needs a batch axis: x[None]"
            )

    def _check_inputs(self, query, value, key):
        for label, x, weight in (("query", query, self.query_weight), ("value", value, self.value_weight),
                                 ("key", key, self.key_weight)):
            if not isinstance(x, Tensor):
                raise TypeError(f"MultiHeadAttention '{self.name}' takes {label} as a Tensor, got {type(x).__name__}")
            self._check_rank(label, x.shape)
            if x.shape[-1] != weight.shape[0]:
                raise ShapeError(
                    f"MultiHeadAttention '{self.name}' was built for a {label} of {weight.shape[0]} features but got "
                    f"a {label} of shape {tuple(x.shape)}; a layer keeps the sizes of its first call, make a new one"
                )
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ShapeError(
                f"MultiHeadAttention '{self.name}' needs one batch size for query, key and value, and one length "
                f"for key and value; got query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
            )

    def _combined_mask(self, query, attention_mask, padding_mask, use_causal_mask, batch, steps_q, steps_k):
        """The bool mask (batch or 1, heads or 1, T_q, T_k) that all the given masks make, or None."""
        xp = backend.array_module(query.data)
        mask = None
        if attention_mask is not None:
            mask = self._attention_mask(xp, attention_mask, batch, steps_q, steps_k)
        if padding_mask is not None:
            padding = self._bool_array(xp, padding_mask, "padding_mask", f"of shape (batch, T_k) = {(batch, steps_k)}, "
                                       "True at real tokens")
            if tuple(padding.shape) != (batch, steps_k):
                raise ShapeError(
                    f"MultiHeadAttention '{self.name}' takes padding_mask= of shape (batch, T_k) = {(batch, steps_k)}, "
                    f"True at real tokens; got shape {tuple(padding.shape)}"
                )
            padding = padding[:, None, None, :]
            mask = padding if mask is None else mask & padding
        if use_causal_mask:
            causal = xp.tril(xp.ones((steps_q, steps_k), dtype=bool))[None, None]
            mask = causal if mask is None else mask & causal
        return mask

    def _bool_array(self, xp, mask, label, expected):
        array = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
        if array.dtype != bool:
            raise TypeError(
                f"MultiHeadAttention '{self.name}' takes {label}= as a bool array {expected}; got dtype {array.dtype}. "
                f"PyTorch's float masks (0 to attend, -inf not to) convert with mask == 0"
            )
        return array

    def _attention_mask(self, xp, attention_mask, batch, steps_q, steps_k):
        heads = self.num_heads
        expected = (f"broadcastable to (batch, T_q, T_k) = {(batch, steps_q, steps_k)} or (batch, num_heads, T_q, "
                    f"T_k) = {(batch, heads, steps_q, steps_k)}, True where a query may attend to a key")
        array = self._bool_array(xp, attention_mask, "attention_mask", expected)
        shape = tuple(array.shape)
        target = (batch, heads, steps_q, steps_k) if array.ndim == 4 else (batch, steps_q, steps_k)[-array.ndim:]
        fits = 2 <= array.ndim <= 4 and all(n in (1, m) for n, m in zip(shape, target))
        if not fits:
            hint = ""
            if shape in ((batch, steps_k), (1, steps_k)):
                hint = "; for a (batch, T_k) mask of real tokens, pass it as padding_mask= instead"
            raise ShapeError(
                f"MultiHeadAttention '{self.name}' takes attention_mask= {expected}; got shape {shape}{hint}"
            )
        return array if array.ndim == 4 else array.reshape((1,) * (3 - array.ndim) + shape)[:, None]

    def get_config(self):
        return {
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_dim": self.output_dim,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


__all__ = ["MultiHeadAttention"]
