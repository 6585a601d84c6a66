"""appi-kb engine: load -> validate -> compile -> run -> resolve -> render.

The engine knows how to load, check, compile, run and explain rules. It knows nothing about any
article of any law: every legal condition, number and citation lives in rules/ as YAML.
"""
__version__ = "0.1.0"
