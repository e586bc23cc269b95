"""Views render an evaluation; they compute nothing. Rich is imported only by the terminal views."""
