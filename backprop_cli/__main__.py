"""``python -m backprop_cli``."""

from .entry import main  # first: it handles Ctrl-C before anything else is imported

if __name__ == "__main__":
    main()
