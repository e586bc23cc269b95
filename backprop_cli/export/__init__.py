"""``backprop export``: a program's forward and backward passes written out, as code or equations.

``passes.py`` stages them as formulas (no target in sight); ``python.py`` and ``latex.py`` print
them; ``names.py`` gives generated code its names.
"""
