"""`backprop batch`: one expression over many rows, streamed (NumPy, pyarrow, polars: imported only here)."""
