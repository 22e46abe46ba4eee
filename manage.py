#!/usr/bin/env python
"""Django's command-line utility; `tradepost` (config.cli) is the same thing, installed as a script."""

from config.cli import main

if __name__ == "__main__":
    main()
