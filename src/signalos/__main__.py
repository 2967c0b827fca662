"""``python -m signalos``: the same CLI as the ``signalos`` command."""
from signalos.cli import main

if __name__ == "__main__":
    main()
