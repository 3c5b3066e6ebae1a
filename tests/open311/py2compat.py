"""Load the PyPI `open311` 1.1 client (Python 2 code) on Python 3, its files unchanged.

Three differences stop it (standards.md §1.7), and this loader bridges each without touching the
package: Python 2's implicit relative imports (`from api import API` inside the package), the
`Element.getchildren()` that Python 3.9 removed, and `urlopen(url, data)` with a `str` body.

Each module's source is compiled as it is and run in a namespace whose `__import__` first looks
for the name beside the importing module, as Python 2 did, then falls back to the normal import.
The modules live under a private name, so nothing in `sys.modules` changes.
"""

from __future__ import annotations

import builtins
import importlib.util
import types
import urllib.request
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

from defusedxml.ElementTree import DefusedXMLParser

PRIVATE = "_open311_py2"


class _Element(ET.Element):
    def getchildren(self):
        return list(self)


def _fromstring(text):
    parser = DefusedXMLParser(target=ET.TreeBuilder(element_factory=_Element))
    parser.feed(text)
    return parser.close()


# What `xml2dict` sees as `ET`: the standard module, with elements that have getchildren().
_ET = types.SimpleNamespace(fromstring=_fromstring, Element=_Element)


def _urlopen(url, data=None, *args, **kwargs):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return urllib.request.urlopen(url, data, *args, **kwargs)  # noqa: S310 - loopback tests


class _Loader:
    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[Path, types.ModuleType] = {}

    def load(self, path: Path) -> types.ModuleType:
        if path in self.modules:
            return self.modules[path]
        relative = path.relative_to(self.root.parent).with_suffix("")
        parts = [p for p in relative.parts if p != "__init__"]
        module = types.ModuleType(".".join([PRIVATE, *parts]))
        module.__file__ = str(path)
        if path.name == "__init__.py":
            module.__path__ = [str(path.parent)]
            module.__package__ = module.__name__
        else:
            module.__package__ = module.__name__.rpartition(".")[0]
        self.modules[path] = module
        namespace = module.__dict__
        namespace["__builtins__"] = {**vars(builtins), "__import__": self._importer(path.parent)}
        with warnings.catch_warnings():  # "\{" in a non-raw string, harmless in 2011's code
            warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
            code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        exec(code, namespace)  # noqa: S102 - the package's own, unchanged source
        if "ET" in namespace:
            namespace["ET"] = _ET
        if "urlopen" in namespace:
            namespace["urlopen"] = _urlopen
        return module

    def _importer(self, folder: Path):
        def import_(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0:
                found = self._beside_chain(folder, name, fromlist)
                if found is not None:
                    return found
                return builtins.__import__(name, globals, locals, fromlist, level)
            # Explicit relative import (`from .xml2dict import …`) inside the package.
            base = folder
            for _up in range(level - 1):
                base = base.parent
            if not name:
                package = self.load(base / "__init__.py")
                for item in fromlist or ():
                    self._attach(package, base, item)
                return package
            target = self._beside_chain(base, name, fromlist)
            if target is None:
                raise ImportError(name)
            return target

        return import_

    def _beside_chain(self, folder: Path, name: str, fromlist) -> types.ModuleType | None:
        """`name` (dotted) found beside `folder`: the module `from name import …` needs."""
        module = None
        current = folder
        for part in name.split("."):
            candidates = (current / part / "__init__.py", current / f"{part}.py")
            found = next((c for c in candidates if c.exists()), None)
            if found is None:
                return None
            child = self.load(found)
            if module is not None:
                setattr(module, part, child)
            module = child
            current = found.parent if found.name == "__init__.py" else current
        if module is not None and fromlist:
            for item in fromlist:
                if not hasattr(module, item) and hasattr(module, "__path__"):
                    self._attach(module, Path(module.__path__[0]), item)
        return module

    def _attach(self, package: types.ModuleType, folder: Path, item: str) -> None:
        for candidate in (folder / item / "__init__.py", folder / f"{item}.py"):
            if candidate.exists():
                setattr(package, item, self.load(candidate))
                return


def load_open311():
    """The package's `Open311` class, run from the installed files as they are."""
    spec = importlib.util.find_spec("open311")
    if spec is None or spec.origin is None:
        raise ImportError("the PyPI package open311 is not installed (pip install -e '.[test]')")
    root = Path(spec.origin).parent
    package = _Loader(root).load(root / "__init__.py")
    return package.Open311
