"""Module attributes replaced while any thread is inside a block, put back when the last one leaves."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Replacements = dict[tuple[str, str], object]  # (module name, attribute) -> the value used within the block


class ModulePatch:
    """`replacements()` is called once, on first use; None means the installed modules are not the ones the
    replacements were made for, and nothing is replaced. Re-entrant and thread-safe: a thread running the
    patched code while another leaves gets the same results either way (the replacements' contract)."""

    def __init__(self, replacements: Callable[[], Replacements | None]):
        self._replacements = replacements
        self._lock = threading.Lock()
        self._active = 0
        self._saved: dict[tuple[str, str], object] = {}
        self.values: Replacements | None = None
        self.checked = False

    @contextmanager
    def applied(self) -> Iterator[bool]:
        """Within the block the replacements are in place; yields whether there are any."""
        with self._lock:
            if not self.checked:
                self.values, self.checked = self._replacements(), True
            values = self.values
            if values is not None:
                if self._active == 0:
                    for (module_name, attribute), value in values.items():
                        module = importlib.import_module(module_name)
                        self._saved[module_name, attribute] = getattr(module, attribute)
                        setattr(module, attribute, value)
                self._active += 1
        try:
            yield values is not None
        finally:
            if values is not None:
                with self._lock:
                    self._active -= 1
                    if self._active == 0:
                        for module_name, attribute in values:
                            setattr(
                                importlib.import_module(module_name),
                                attribute,
                                self._saved.pop((module_name, attribute)),
                            )
