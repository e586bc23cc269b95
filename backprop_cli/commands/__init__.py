"""The commands of the command line, one module each; cli.py registers each with one line."""
