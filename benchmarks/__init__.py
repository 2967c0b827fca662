"""Speed and accuracy benchmarks of signalos. ``python -m benchmarks`` runs them all;
each module also runs on its own (``python benchmarks/accuracy.py --help``)."""
