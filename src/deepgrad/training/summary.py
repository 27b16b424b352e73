"""model.summary(): the layers, their output shapes and parameter counts, as Keras prints them."""


def _count(tensors):
    return sum(t.size for t in tensors)


def summary(model, width=65):
    """The summary table of `model` as a string."""
    from deepgrad.nn import Sequential

    layers = list(model) if isinstance(model, Sequential) else model.children()
    rows = []
    for layer in layers:
        shape = getattr(layer, "output_shape", None)
        params = _count(layer.parameters()) + _count(t for _, t in layer.named_buffers())
        rows.append((f"{layer.name} ({type(layer).__name__})", str(shape) if shape else "?", f"{params:,}"))
    trainable = _count(model.parameters())
    frozen = _count(t for _, t in model.named_buffers())
    name_width = max([28] + [len(name) + 2 for name, _, _ in rows])  # columns never run together
    shape_width = max([26] + [len(shape) + 2 for _, shape, _ in rows])
    width = max(width, name_width + shape_width + 12)
    lines = [f'Model: "{model.name}"', "_" * width,
             f" {'Layer (type)':<{name_width}}{'Output Shape':<{shape_width}}Param #", "=" * width]
    for i, (name, shape, params) in enumerate(rows):
        lines.append(f" {name:<{name_width}}{shape:<{shape_width}}{params}")
        if i < len(rows) - 1:
            lines.append("")
    lines += ["=" * width, f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {frozen:,}", "_" * width]
    if not model.built and not all(getattr(layer, "built", True) for layer in layers):
        lines.append("Not built yet: call the model on a batch, or model.build(input_shape), to see its weights.")
    return "\n".join(lines)
