"""The demo portfolio: `delivery-bot demo` loads it, and loading it again refreshes it."""

from store.demo.load import DemoLoaded, DemoRefused, load_demo

__all__ = ["DemoLoaded", "DemoRefused", "load_demo"]
