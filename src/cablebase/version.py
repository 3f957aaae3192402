"""The package's version (``cablebase.__version__``), named in the User-Agent and the pages."""

VERSION = "0.1.0"
