"""lbc: care work for rural left-behind children (农村留守儿童), from the command line."""

__version__ = "0.1.0"
