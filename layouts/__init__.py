"""Pure layout builders: arguments in, Dash components out; no SQL, no module state."""
