"""The Keras-style training workflow that every nn.Module inherits: compile, fit, evaluate, predict."""
