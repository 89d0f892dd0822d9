"""Data-defined losses with true minibatch gradients (filled in below)."""
SURFACES = ()
