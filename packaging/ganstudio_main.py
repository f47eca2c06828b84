"""Entry point of the frozen app (PyInstaller runs this file): the same as the `ganstudio` console script."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()        # a no-op unless a child process of the frozen app starts here
    from studio.cli import main
    sys.exit(main())
